"""The flat public API: every public name of predhub.core, predhub.sdk and predhub.models is exported
from predhub."""

import predhub
import predhub.core
import predhub.models
import predhub.sdk


def test_every_core_sdk_and_models_name_is_exported_flat() -> None:
    expected = set(predhub.core.__all__) | set(predhub.sdk.__all__) | set(predhub.models.__all__)
    assert set(predhub.__all__) == expected


def test_every_exported_name_resolves_to_the_same_object() -> None:
    for name in predhub.__all__:
        source = (
            predhub.sdk
            if name in predhub.sdk.__all__
            else predhub.models
            if name in predhub.models.__all__
            else predhub.core
        )
        assert getattr(predhub, name) is getattr(source, name), name


def test_sdk_modules_export_only_what_they_define_or_reexport() -> None:
    for module_name in ("_client", "_async_client", "_models", "_exceptions", "_config", "_base", "_types"):
        module = __import__(f"predhub.sdk.{module_name}", fromlist=["__all__"])
        for name in module.__all__:
            assert hasattr(module, name), f"predhub.sdk.{module_name}.__all__ names missing {name}"


def test_errors_share_one_root() -> None:
    errors = [getattr(predhub.sdk, n) for n in predhub.sdk.__all__]
    error_types = [e for e in errors if isinstance(e, type) and issubclass(e, Exception)]
    assert len(error_types) >= 10
    assert all(issubclass(e, predhub.PredhubError) for e in error_types)
