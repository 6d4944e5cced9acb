"""Demo accounts, one or more per role (later seeders bind them to platforms, companies, institutions)."""
from __future__ import annotations

from ..seed import SeedContext
from .services import create_user

DEMO_USERS = [
    ("admin@demo.zone", "admin", "园区创新办 王主任", "zh"),
    ("manager@demo.zone", "manager", "孵化器经理 李明", "zh"),
    ("manager2@demo.zone", "manager", "众创空间经理 陈静", "zh"),
    ("reviewer@demo.zone", "reviewer", "评审专家 赵教授", "zh"),
    ("founder@demo.zone", "startup", "创业者 张伟", "zh"),
    ("founder2@demo.zone", "startup", "Founder Alice Wu", "en"),
    ("partner@demo.zone", "partner", "高校联络人 刘老师", "zh"),
]


def seed_users(context: SeedContext) -> None:
    users = {}
    for email, role, name, locale in DEMO_USERS:
        users[email] = create_user(email, role, context.new_password(email), name=name, locale=locale,
                                   source="cli")
    context.made["users"] = users
