"""Recall: scope of affected units, stock to block, customers to notify."""
