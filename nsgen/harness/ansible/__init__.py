"""Ansible plugins `nsgen test` uses to run a lab's playbooks against simulated machines."""
