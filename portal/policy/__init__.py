"""Who may do what to which object. Pure functions over models; no Flask, no I/O."""

from portal.policy.permissions import Permission, can, permissions_of

__all__ = ["Permission", "can", "permissions_of"]
