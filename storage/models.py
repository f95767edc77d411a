"""Every ORM model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from storage.analysis.models import EvidenceGraph, ForecastRun, OptimizationRun
from storage.base import Base
from storage.benchmarks.models import ExternalBenchmark
from storage.catalog.models import Employee, Product
from storage.coaching.models import CoachingSession
from storage.email.models import EmailAnswer
from storage.goals.models import GoalCheckin, SmartGoal
from storage.jobs.models import JobRun
from storage.messaging.models import OutboxMessage, ProcessedEvent
from storage.metrics.models import BusinessMetric
from storage.slack.models import SlackInstallation, SpentInstallNonce
from storage.sources.models import DataSource
from storage.tenants.models import Tenant, User

__all__ = [
    "Base",
    "BusinessMetric",
    "CoachingSession",
    "DataSource",
    "EmailAnswer",
    "Employee",
    "EvidenceGraph",
    "ExternalBenchmark",
    "ForecastRun",
    "GoalCheckin",
    "JobRun",
    "OptimizationRun",
    "OutboxMessage",
    "ProcessedEvent",
    "Product",
    "SlackInstallation",
    "SmartGoal",
    "SpentInstallNonce",
    "Tenant",
    "User",
]
