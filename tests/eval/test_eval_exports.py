import predhub.eval


def test_public_names_are_exported_and_listed() -> None:
    public = {
        n
        for n in vars(predhub.eval)
        if not n.startswith("_") and not isinstance(getattr(predhub.eval, n), type(predhub))
    }
    assert set(predhub.eval.__all__) == public


def test_warm_up_runs_every_path() -> None:
    from predhub.eval.warmup import warm_up

    warm_up()  # raises if any kernel or path is broken
