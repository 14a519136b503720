"""Checklist templates: the built-in one ships as YAML; admins import others."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ChecklistItem, ChecklistTemplate, Consortium, TemplateItem
from plugin.kernel.numbers import reserve_numbers

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_TEMPLATE = "consortium"
KIND = "checklist"   # the counter of item numbers


def load_template_file(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def import_template(session: Session, spec: dict) -> ChecklistTemplate:
    """Create or update a template from its YAML structure (keys keep items stable)."""
    template = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == spec["name"]))
    if template is None:
        template = ChecklistTemplate(name=spec["name"], title=spec["title"], title_en=spec.get("title_en", ""))
        session.add(template)
    else:
        template.title, template.title_en = spec["title"], spec.get("title_en", "")
    existing = {item.key: item for item in template.items}
    position = 0
    for section in spec["sections"]:
        for entry in section["items"]:
            position += 1
            item = existing.get(entry["key"])
            if item is None:
                item = TemplateItem(key=entry["key"])
                template.items.append(item)
            item.position = position
            item.section, item.section_en = section["fr"], section.get("en", section["fr"])
            item.text, item.text_en = entry["fr"], entry.get("en", entry["fr"])
    session.flush()
    return template


def ensure_builtin_templates(session: Session) -> None:
    if session.scalar(select(ChecklistTemplate.id).where(ChecklistTemplate.name == DEFAULT_TEMPLATE)) is None:
        import_template(session, load_template_file(DATA_DIR / "checklist_consortium.yaml"))


def apply_template(session: Session, consortium: Consortium, name: str = DEFAULT_TEMPLATE,
                   created_by_id: int | None = None) -> int:
    """Add the template's items the consortium does not have yet; return how many."""
    ensure_builtin_templates(session)
    template = session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.name == name))
    if template is None:
        raise LookupError(name)
    present = set(session.scalars(
        select(ChecklistItem.template_key).where(ChecklistItem.consortium_id == consortium.id,
                                                 ChecklistItem.template_key.is_not(None))
    ))
    last_position = session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.consortium_id == consortium.id)
    ) or 0
    missing = [item for item in template.items if f"{template.name}:{item.key}" not in present]
    if not missing:
        return 0
    numbers = reserve_numbers(session, consortium.id, KIND, len(missing))
    for number, item in zip(numbers, missing):
        key = f"{template.name}:{item.key}"
        session.add(ChecklistItem(
            consortium_id=consortium.id, number=number,
            position=last_position + item.position, section=item.section, section_en=item.section_en,
            text=item.text, text_en=item.text_en, template_key=key, created_by_id=created_by_id,
        ))
    session.flush()
    return len(missing)
