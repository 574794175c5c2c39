"""``predhub eval``: evaluate label sets. ``predhub eval coco`` needs no server (a pycocotools drop-in)."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from predhub.cli._common import hub_options

__all__ = ["eval_group"]


@click.group("eval")
def eval_group() -> None:
    """Evaluate predictions against ground truth."""


@eval_group.command("coco")
@click.argument("gt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("results_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--iou-type",
    type=click.Choice(["bbox", "segm"]),
    default="bbox",
    show_default=True,
    help="Boxes or masks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of the 12-line summary.")
@click.option("--class-agnostic", is_flag=True, help="Ignore classes (pycocotools useCats=0).")
def coco(gt_file: Path, results_file: Path, iou_type: str, as_json: bool, class_agnostic: bool) -> None:
    """Evaluate a COCO results file against COCO ground truth, exactly as pycocotools does.

    Prints the 12 summary numbers (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl);
    with --json, an object with those keys plus per_class AP and AR.
    """
    from predhub.core.errors import FieldError
    from predhub.eval.coco_eval import evaluate_coco_files
    from predhub.eval.coco_params import CocoParams, IouType

    params = CocoParams(iou_type=IouType(iou_type), use_categories=not class_agnostic)
    try:
        result = evaluate_coco_files(gt_file, results_file, params)
    except (FieldError, orjson.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(orjson.dumps(result.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY).decode())
    else:
        click.echo(result.summary())


_STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def _print_evaluation(ev: object) -> None:
    from predhub.cli._common import console
    from predhub.sdk import Evaluation

    assert isinstance(ev, Evaluation)
    console.print(
        f"evaluation {ev.id} ({ev.kind}) of label set {ev.prediction_label_set_id} against "
        f"{ev.ground_truth_label_set_id}: [bold]{ev.status}[/] {ev.progress:.0%}"
    )
    if ev.error:
        console.print(f"error: {ev.error}")
    summary = ev.summary or {}
    if ev.kind == "detection" and summary:
        console.print("  ".join(f"{k} {summary[k]:.3f}" for k in _STATS if k in summary))
        for row in ev.per_class or []:
            f1 = row.get("f1")
            console.print(
                f"  {row['class']:<24} AP {row['ap']:.3f}  AR {row['ar']:.3f}  "
                f"F1 {'-' if f1 is None else f'{f1:.3f}'}"
            )
    elif summary:
        for k, v in summary.items():
            console.print(f"  {k:<24} {'-' if v is None else f'{v:.4f}'}")


@eval_group.command("run")
@click.argument("ground_truth")
@click.argument("predictions")
@click.option("--dataset", default=None, help="Dataset id or name, when label sets are given by name.")
@click.option(
    "--kind", type=click.Choice(["detection", "segmentation", "classification"]), default="detection",
    show_default=True, help="What to compare: objects, painted class maps, or classifications.",
)  # fmt: skip
@click.option(
    "--iou-type",
    type=click.Choice(["bbox", "segm"]),
    default="bbox",
    show_default=True,
    help="Detection: match boxes or masks.",
)
@click.option(
    "--confusion-iou",
    type=float,
    default=0.5,
    show_default=True,
    help="IoU threshold of the stored match status, confusion matrix and disagreement.",
)
@click.option(
    "--confusion-confidence", type=float, default=0.0, show_default=True,
    help="Predictions below this confidence are left out of the match status and confusion matrix.",
)  # fmt: skip
@click.option("--no-wait", is_flag=True, help="Queue the evaluation and return at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON.")
@hub_options
def run(
    ground_truth: str, predictions: str, dataset: str | None, kind: str, iou_type: str, confusion_iou: float,
    confusion_confidence: float, no_wait: bool, as_json: bool, url: str | None, token: str | None,
) -> None:  # fmt: skip
    """Evaluate label set PREDICTIONS against GROUND_TRUTH on the hub (ids, or names with --dataset)."""
    from predhub.cli._common import hub_client, print_json, resolve_dataset, resolve_label_set

    params = {
        "iou_type": iou_type,
        "confusion_iou": confusion_iou,
        "confusion_confidence": confusion_confidence,
    }
    with hub_client(url, token) as client:
        ds = resolve_dataset(client, dataset) if dataset else None
        gt = resolve_label_set(client, ds, ground_truth)
        pred = resolve_label_set(client, ds, predictions)
        ev = client.create_evaluation(gt, pred, kind=kind, params=params if kind == "detection" else None,
                                      wait=not no_wait)  # fmt: skip
    if as_json:
        print_json(ev)
    else:
        _print_evaluation(ev)
    if not no_wait and ev.status != "done":
        raise SystemExit(1)


@eval_group.command("show")
@click.argument("evaluation_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the evaluation as JSON.")
@hub_options
def show(evaluation_id: int, as_json: bool, url: str | None, token: str | None) -> None:
    """Show evaluation EVALUATION_ID: status, summary, per-class results."""
    from predhub.cli._common import hub_client, print_json

    with hub_client(url, token) as client:
        ev = client.get_evaluation(evaluation_id)
    if as_json:
        print_json(ev)
    else:
        _print_evaluation(ev)


@eval_group.command("samples")
@click.argument("evaluation_id", type=int)
@click.option("--limit", type=int, default=20, show_default=True, help="How many samples to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@hub_options
def samples(evaluation_id: int, limit: int, as_json: bool, url: str | None, token: str | None) -> None:
    """The samples of an evaluation, most disagreeing first."""
    import itertools

    from predhub.cli._common import console, hub_client, print_json

    with hub_client(url, token) as client:
        rows = list(
            itertools.islice(client.evaluation_samples(evaluation_id, page_size=min(limit, 1000)), limit)
        )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r.disagreement:.3f}  tp {r.tp:<4} fp {r.fp:<4} fn {r.fn:<4} {r.key}")
