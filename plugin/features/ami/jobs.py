"""The AMI's scheduled job: a closed call's answers keep their contact details for
``CONSORTIA_AMI_RETENTION_MONTHS`` months (as the public form says), then lose them."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from models import CallForInterest, CallResponse, utcnow
from plugin.delivery import PeriodicJob

ERASED = "erased"   # as personal data erased on request (plugin/features/privacy/people.py)


def erase_expired_contacts(services, now: datetime | None = None) -> int:
    """Erase the contact details and texts of the answers to calls closed long enough ago; returns how many
    answers it erased (the structures' names and themes stay: they are the call's results)."""
    now = now or utcnow()
    closed_before = now - timedelta(days=round(30.44 * services.settings.ami_retention_months))
    expired = select(CallForInterest.id).where(CallForInterest.status == "closed",
                                               CallForInterest.closed_at < closed_before)
    with services.db.transaction() as session:
        return session.execute(
            update(CallResponse).where(CallResponse.call_id.in_(expired), CallResponse.contact_email != "")
            .values(contact_name=ERASED, contact_email="", email_key=ERASED, person_id=None, can_bring="", needs="",
                    comment="")).rowcount or 0


JOBS = (PeriodicJob("ami.retention", timedelta(hours=6), erase_expired_contacts),)
