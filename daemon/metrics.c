/* Prometheus text exposition for /metrics. */
