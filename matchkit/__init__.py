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
from ._status import status
from .snapshot import take_snapshots
from .store import Decision, Workspace, load_file

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
