"""Live probes from a form, run in a background worker with live progress; cancellable."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker

from ..probes.base import Probe, ProbeResult
from ..probes.runner import ProbeEvent, run_all
from ..report.render import safe
from .i18n import N_, _, tr
from .views import status_label

if TYPE_CHECKING:
    from ..probes.udp import UdpListenProbe
    from .app import KbassistApp


@dataclass(frozen=True)
class Form:
    """What the form asks for one kind of probe."""

    label: str
    host: str  # the host field's placeholder
    port: str  # default port
    timeout: str  # default seconds
    nonce: bool = False  # the UDP pair: the listener's nonce ties the two ends together


FORMS = {
    "smtp": Form(N_("SMTP EHLO (X-LINK2STATE, XEXCH50)"), N_("host"), "25", "5"),
    "tcp": Form(N_("TCP port open?"), N_("host"), "135", "5"),
    "udp-refused": Form(N_("UDP: ICMP refusal or silence?"), N_("host"), "", "3"),
    "udp-listen": Form(
        N_("UDP, on the client: listen for the server's test datagrams"),
        N_("server address (optional)"),
        "",
        "60",
        nonce=True,
    ),
    "udp-send": Form(
        N_("UDP, on the server: send test datagrams to a listener"),
        N_("listener's host"),
        "",
        "5",
        nonce=True,
    ),
}

PROBE_FORM_DEFAULTS = {"kind": "smtp", "host": "", "port": "25", "timeout": "5", "nonce": ""}


def make_probe(
    kind: str,
    host: str,
    port_text: str,
    timeout_text: str,
    nonce: str = "",
    on_listening: Callable[[UdpListenProbe], None] | None = None,
) -> Probe:
    """A probe from the form's fields; ValueError (shown in the form) says what is wrong."""
    from ..probes.smtp import SmtpProbe
    from ..probes.tcp import TcpProbe
    from ..probes.udp import UdpListenProbe, UdpRefusedProbe, UdpSendProbe

    host = host.strip()
    wanted_nonce = nonce.strip() or None  # None: the probe makes one up
    if not port_text.strip().isdigit():
        raise ValueError(_("the port must be a number"))
    try:
        timeout = float(timeout_text or FORMS[kind].timeout)
    except ValueError:
        raise ValueError(_("the timeout must be a number of seconds")) from None
    port = int(port_text)
    if kind == "udp-listen":  # the host is the server to expect datagrams from, if given
        return UdpListenProbe(
            port, timeout, nonce=wanted_nonce, expect_from=host or None, on_listening=on_listening
        )
    if not host:
        raise ValueError(_("the host is missing"))
    if kind == "smtp":
        return SmtpProbe(host, port, timeout=timeout)
    if kind == "tcp":
        return TcpProbe(host, port, timeout=timeout)
    if kind == "udp-send":
        return UdpSendProbe(host, port, nonce=wanted_nonce, timeout=timeout)
    return UdpRefusedProbe(host, port, timeout=timeout)


def log_line(entry: ProbeEvent | str) -> str:
    """A line of the probe log, said in the current language each time it is shown."""
    if isinstance(entry, str):
        return entry
    probe = entry.probe
    if entry.kind == "started":
        line = "… " + _("{name} {target}: checking (up to {seconds} s)").format(
            name=probe.name, target=probe.target, seconds=f"{probe.timeout:g}"
        )
    else:
        result = entry.result
        assert result is not None
        line = "✔ " if result.status == "ok" else "✗ "
        line += _("{name} {target}: {status} — {message}").format(
            name=probe.name,
            target=probe.target,
            status=status_label(result.status),
            message=tr(result.message),
        )
    return safe(line)  # banners and messages come from the network


class ProbePanel(Vertical):
    def compose(self) -> ComposeResult:
        kb = cast("KbassistApp", self.app)
        fields = kb.probe_fields  # what the agent typed survives a recompose
        form = FORMS[fields["kind"]]
        yield Select(
            [(_(f.label), k) for k, f in FORMS.items()],
            value=fields["kind"],
            allow_blank=False,
            id="probe-kind",
        )
        with Horizontal(id="probe-target"):
            yield Input(fields["host"], placeholder=_(form.host), id="probe-host")
            yield Input(fields["port"], placeholder=_("port"), id="probe-port", classes="short")
            yield Input(
                fields["timeout"], placeholder=_("seconds"), id="probe-timeout", classes="short"
            )
        nonce = Input(fields["nonce"], placeholder=_("nonce (from the listener)"), id="probe-nonce")
        nonce.display = form.nonce
        yield nonce
        with Horizontal(id="probe-buttons"):
            yield Button(_("Run"), id="probe-run", variant="primary")
            yield Button(_("Cancel"), id="probe-cancel", disabled=not kb.probing)
        yield Label("", id="probe-error")
        with VerticalScroll(id="probe-log"):
            for entry in kb.probe_log:
                yield Static(Content(log_line(entry)), classes="probe-line")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "probe-kind" or not isinstance(event.value, str):
            return
        kb = cast("KbassistApp", self.app)
        if event.value == kb.probe_fields["kind"]:
            return  # the panel was just recomposed: keep what the agent typed
        kb.probe_fields["kind"] = event.value
        form = FORMS[event.value]
        self.query_one("#probe-host", Input).placeholder = _(form.host)
        self.query_one("#probe-port", Input).value = form.port
        self.query_one("#probe-timeout", Input).value = form.timeout
        self.query_one("#probe-nonce", Input).display = form.nonce

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("probe-")
        kb = cast("KbassistApp", self.app)
        if name in kb.probe_fields:
            kb.probe_fields[name] = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "probe-run":
            event.stop()
            self._start()
        elif event.button.id == "probe-cancel":
            event.stop()
            self.workers.cancel_group(self, "probes")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("probe-"):
            event.stop()
            self._start()

    def _start(self) -> None:
        kind = self.query_one("#probe-kind", Select).value
        try:
            probe = make_probe(
                str(kind),
                self.query_one("#probe-host", Input).value,
                self.query_one("#probe-port", Input).value,
                self.query_one("#probe-timeout", Input).value,
                self.query_one("#probe-nonce", Input).value,
                on_listening=self._listening,
            )
        except ValueError as exc:
            self.query_one("#probe-error", Label).update(Content(tr(exc.args[0])))
            return
        self.query_one("#probe-error", Label).update("")
        self.run_probes([probe])

    @work(exclusive=True, group="probes")
    async def run_probes(self, probes: list[Probe]) -> list[ProbeResult]:
        kb = cast("KbassistApp", self.app)
        kb.probing = True
        self.query_one("#probe-cancel", Button).disabled = False
        try:
            results = await run_all(probes, self._progress)
        finally:
            kb.probing = False
        kb.add_probe_results(results)
        return results

    def _listening(self, probe: UdpListenProbe) -> None:
        """The listener is bound: tell the agent what to run on the server."""
        command = probe.sender_command(socket.gethostname())
        line = _("listening; on the Exchange server run: {command}").format(command=command)
        self._log(safe("… " + line))

    def _progress(self, event: ProbeEvent) -> None:
        self._log(event)  # not its text: the language may change

    def _log(self, entry: ProbeEvent | str) -> None:
        kb = cast("KbassistApp", self.app)
        kb.probe_log.append(entry)
        log = self.query_one("#probe-log", VerticalScroll)
        log.mount(Static(Content(log_line(entry)), classes="probe-line"))
        log.scroll_end(animate=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "probes" and event.worker.is_finished:
            self.query_one("#probe-cancel", Button).disabled = True
