"""Orders handed over by ERP: purchase orders (expected receipts), sales orders (deliveries), work orders."""
