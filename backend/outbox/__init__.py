"""The outbox of domain events and its webhook deliveries: what happened, told to ERP/MES once it committed."""
