"""Camera reachability: probes cameras at start-up, on change and periodically, and keeps their statuses.

Until the recording supervisor owns each camera's state (it holds the one RTSP session), this monitor is what
tells the operator which cameras are online. Its probes are short ffprobe runs under a timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

from backend_embed.api.dto import (
    Camera,
    CameraStatus,
    CameraStatusInfo,
    ProbeOutcome,
    ProbeResult,
    StreamRole,
)
from backend_embed.api.errors import BackendError
from backend_embed.api.events import CameraStatusChanged
from backend_embed.events import EventBus

logger = logging.getLogger(__name__)

# (camera id) -> (URL with credentials, secrets to redact). Raises BackendError if the camera is gone.
UrlSource = Callable[[int, StreamRole], Awaitable[tuple[str, Sequence[str]]]]
Prober = Callable[[str, float, Sequence[str]], Awaitable[ProbeResult]]
# Called after every successful probe (the recording controller learns the camera's codec from it).
ProbeHook = Callable[[int, ProbeResult], Awaitable[None]]


def status_from_probe(camera_id: int, result: ProbeResult) -> CameraStatusInfo:
    """Map a probe result to what the camera tree shows."""
    if result.ok:
        return CameraStatusInfo(camera_id, CameraStatus.ONLINE, result.summary(), result)
    if result.outcome is ProbeOutcome.AUTH_FAILED:
        return CameraStatusInfo(camera_id, CameraStatus.AUTH_FAILED, result.message, result)
    return CameraStatusInfo(camera_id, CameraStatus.OFFLINE, result.message, result)


class CameraMonitor:
    """Keeps one `CameraStatusInfo` per camera and publishes every change.

    Owns one background task (started by `start`, cancelled by `stop`) that probes all enabled cameras once and
    then re-probes the ones that are not online every `recheck_interval_s`.
    """

    def __init__(
        self,
        bus: EventBus,
        url_source: UrlSource,
        prober: Prober,
        *,
        timeout_s: float,
        concurrency: int,
        recheck_interval_s: float,
        on_probed: ProbeHook | None = None,
    ) -> None:
        self._bus = bus
        self._on_probed = on_probed
        self._supervised: set[int] = set()
        self._url_source = url_source
        self._prober = prober
        self._timeout_s = timeout_s
        self._limit = asyncio.Semaphore(concurrency)
        self._recheck_interval_s = recheck_interval_s
        self._statuses: dict[int, CameraStatusInfo] = {}
        self._enabled: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[int] = set()
        self._wake = asyncio.Event()

    def statuses(self) -> list[CameraStatusInfo]:
        return list(self._statuses.values())

    def start(self, cameras: Iterable[Camera]) -> None:
        """Record the cameras and start probing them in the background."""
        for camera in cameras:
            self.track(camera, probe=False)
        self._task = asyncio.create_task(self._run(), name="camera-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        # gather returns the task's own CancelledError as a value; a cancellation of stop() still propagates
        await asyncio.gather(task, return_exceptions=True)

    def track(self, camera: Camera, *, probe: bool = True) -> None:
        """Note a new or changed camera; a disabled one is shown as such and never probed."""
        if not camera.enabled:
            self._enabled.discard(camera.id)
            self._set(CameraStatusInfo(camera.id, CameraStatus.DISABLED, "disabled"))
            return
        self._enabled.add(camera.id)
        if (
            camera.id not in self._statuses
            or self._statuses[camera.id].status is CameraStatus.DISABLED
        ):
            self._set(CameraStatusInfo(camera.id, CameraStatus.UNKNOWN))
        if probe and self._task is not None:
            self._pending.add(camera.id)
            self._wake.set()

    def forget(self, camera_id: int) -> None:
        self._enabled.discard(camera_id)
        self._statuses.pop(camera_id, None)

    async def probe(self, camera_id: int) -> CameraStatusInfo:
        """Probe one camera's main stream now and publish its new status."""
        async with self._limit:
            url, secrets = await self._url_source(camera_id, StreamRole.MAIN)
            self._set(CameraStatusInfo(camera_id, CameraStatus.PROBING, "probing"))
            result = await self._prober(url, self._timeout_s, secrets)
        if camera_id not in self._enabled:
            # disabled or deleted while the probe ran: its probe result no longer applies
            return self._statuses.get(camera_id, CameraStatusInfo(camera_id, CameraStatus.DISABLED))
        info = status_from_probe(camera_id, result)
        self._set(info)
        if result.ok and self._on_probed is not None:
            await self._on_probed(camera_id, result)
        return info

    def supervise(self, camera_id: int, supervised: bool) -> None:
        """A recorder holds this camera's session: no periodic probe; its state comes through `report`."""
        if supervised:
            self._supervised.add(camera_id)
        else:
            self._supervised.discard(camera_id)

    def is_supervised(self, camera_id: int) -> bool:
        return camera_id in self._supervised

    def report(self, info: CameraStatusInfo) -> None:
        """A status learnt elsewhere (the camera's recorder). Keeps the last probe's details."""
        if info.camera_id not in self._enabled:
            return
        previous = self._statuses.get(info.camera_id)
        probe = info.probe or (previous.probe if previous is not None else None)
        reason = info.reason
        if info.status is CameraStatus.ONLINE and probe is not None and probe.ok:
            reason = probe.summary()
        self._set(CameraStatusInfo(info.camera_id, info.status, reason, probe))

    def _set(self, info: CameraStatusInfo) -> None:
        if self._statuses.get(info.camera_id) == info:
            return
        self._statuses[info.camera_id] = info
        self._bus.publish(CameraStatusChanged(info))

    async def _run(self) -> None:
        await self._probe_all(sorted(self._enabled))
        while True:
            interval = self._recheck_interval_s if self._recheck_interval_s > 0 else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            except TimeoutError:
                due = [
                    cid
                    for cid in sorted(self._enabled - self._supervised)
                    if not self._is_online(cid)
                ]
            else:
                due = sorted(self._pending & self._enabled)
            self._wake.clear()
            self._pending.clear()
            await self._probe_all(due)

    def _is_online(self, camera_id: int) -> bool:
        info = self._statuses.get(camera_id)
        return info is not None and info.status is CameraStatus.ONLINE

    async def _probe_all(self, camera_ids: Sequence[int]) -> None:
        results = await asyncio.gather(
            *(self.probe(cid) for cid in camera_ids), return_exceptions=True
        )
        for camera_id, result in zip(camera_ids, results, strict=True):
            if isinstance(result, BackendError):
                logger.info("Camera %d not probed: %s", camera_id, result.user_message)
            elif isinstance(result, asyncio.CancelledError):
                raise result
            elif isinstance(result, BaseException):
                logger.error("Probing camera %d failed", camera_id, exc_info=result)
