"""What other features may use of the AMI."""
from plugin.features.ami.calls import latest_call

__all__ = ["latest_call"]
