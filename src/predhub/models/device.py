"""Where a model runs: ``"auto"`` takes a GPU when the framework reports one, else the CPU."""

from __future__ import annotations

from typing import Literal

__all__ = ["Device", "onnxruntime_providers", "opencv_has_cuda"]

Device = Literal["auto", "cpu", "gpu"]


def opencv_has_cuda() -> bool:
    """True when this OpenCV build has CUDA and sees a device (pip's headless wheels do not)."""
    import cv2

    try:
        return bool(cv2.cuda.getCudaEnabledDeviceCount() > 0)
    except (AttributeError, cv2.error):
        return False


def onnxruntime_providers(device: Device) -> list[str]:
    """Execution providers for ``device``: CUDA first when installed (onnxruntime-gpu) and wanted."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    gpu = [p for p in ("CUDAExecutionProvider", "ROCMExecutionProvider") if p in available]
    if device == "gpu" and not gpu:
        raise RuntimeError("device='gpu' but onnxruntime reports no GPU provider (install onnxruntime-gpu)")
    if device in ("auto", "gpu") and gpu:
        return [gpu[0], "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]
