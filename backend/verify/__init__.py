"""防伪 / 防窜货: verify a product's code in the field (genuine or unknown; diversion, clone and condition flags)."""
