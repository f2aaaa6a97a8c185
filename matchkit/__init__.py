"""matchkit: keep an MSP's Atera (PSA) and Xero (accounting) in step.

The short public API; everything else lives in private modules. See README for a tour.
"""

from ._config import Settings
from ._exceptions import (
    ApiError,
    AuthError,
    ConfigError,
    ExportBusyError,
    ExportError,
    ExportValidationError,
    InputError,
    LoadError,
    MatchConfigError,
    MatchkitError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ReconnectRequired,
    ServerError,
    TransportError,
    ValidationError,
    WizardError,
    WorkspaceBusyError,
    WorkspaceError,
    WorkspaceTenantError,
)
from .atera import invoice_lines as _invoice_lines
from .atera import labour_rates as _labour_rates
from .snapshot import take_snapshots
from .store import Decision, Workspace, load_file
from .store import derive as _derive
from .workspace_status import status

# The store writes Atera's invoice lines and labour rates beside their parent snapshots; the
# Atera connector computes them. Wired here, above both, so the store imports no connector
# (Python runs this before any ``matchkit.*`` module is used).
_derive("atera", "invoice_lines", _invoice_lines)
_derive("atera", "contract_rates", _labour_rates)

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "Decision",
    "ExportBusyError",
    "ExportError",
    "ExportValidationError",
    "InputError",
    "LoadError",
    "MatchConfigError",
    "MatchkitError",
    "NotFoundError",
    "ProtocolError",
    "RateLimitError",
    "ReconnectRequired",
    "ServerError",
    "Settings",
    "TransportError",
    "ValidationError",
    "WizardError",
    "Workspace",
    "WorkspaceBusyError",
    "WorkspaceError",
    "WorkspaceTenantError",
    "load_file",
    "status",
    "take_snapshots",
]
