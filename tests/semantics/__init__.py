"""Semantics suite: pins every rule of docs/language.md on the reference interpreter."""
