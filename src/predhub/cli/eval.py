"""``predhub eval``: evaluate label sets. ``predhub eval coco`` needs no server (a pycocotools drop-in)."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

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
