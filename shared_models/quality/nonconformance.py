"""The default nonconformance review (不合格品评审, MRB) machine, as data that a plant may replace with its own."""

from __future__ import annotations

from typing import Any

from shared_models.quality.workflow import Workflow

DISPOSITIONS: tuple[str, ...] = ("rework", "scrap", "use_as_is", "return_to_supplier")

NONCONFORMANCE: dict[str, Any] = {
    "name": "nonconformance",
    "label_en": "Nonconformance",
    "label_zh": "不合格品评审",
    "initial": "open",
    "final": ["closed", "cancelled"],
    "states": [
        {"name": "open", "label_en": "Open", "label_zh": "待评审"},
        {"name": "under_review", "label_en": "Under review", "label_zh": "评审中"},
        {"name": "dispositioned", "label_en": "Dispositioned", "label_zh": "已处置"},
        {"name": "closed", "label_en": "Closed", "label_zh": "已关闭"},
        {"name": "cancelled", "label_en": "Cancelled", "label_zh": "已取消"},
    ],
    "start": {"name": "open", "roles": ["inspector"], "label_en": "Report nonconformance", "label_zh": "提交不合格品"},
    "transitions": [
        {"name": "start_review", "source": "open", "target": "under_review", "roles": ["qa_manager"],
         "label_en": "Start review", "label_zh": "开始评审"},
        {"name": "rework", "source": "under_review", "target": "dispositioned", "roles": ["qa_manager"],
         "sets": {"disposition": "rework"}, "label_en": "Rework", "label_zh": "返工"},
        {"name": "scrap", "source": "under_review", "target": "dispositioned", "roles": ["qa_manager"],
         "sets": {"disposition": "scrap"}, "label_en": "Scrap", "label_zh": "报废"},
        {"name": "use_as_is", "source": "under_review", "target": "dispositioned", "roles": ["qa_manager"],
         "requires": ["approved_by"], "sets": {"disposition": "use_as_is"},
         "label_en": "Use as is", "label_zh": "让步接收"},
        {"name": "return_to_supplier", "source": "under_review", "target": "dispositioned", "roles": ["qa_manager"],
         "sets": {"disposition": "return_to_supplier"}, "label_en": "Return to supplier", "label_zh": "退供应商"},
        {"name": "close", "source": "dispositioned", "target": "closed", "roles": ["qa_manager"],
         "label_en": "Close", "label_zh": "关闭"},
        {"name": "cancel", "source": "open", "target": "cancelled", "roles": ["inspector", "qa_manager"],
         "requires": ["reason"], "label_en": "Cancel", "label_zh": "取消"},
    ],
}

NONCONFORMANCE_WORKFLOW: Workflow = Workflow.from_dict(NONCONFORMANCE)
