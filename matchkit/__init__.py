"""matchkit: keep an MSP's Atera and Xero in step."""
