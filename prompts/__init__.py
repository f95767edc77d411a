"""Prompts, answer templates and email templates as files; ``prompts.loader`` renders them."""

from prompts.loader import read, render

__all__ = ["read", "render"]
