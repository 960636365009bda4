"""The lab harness: a kernel sandbox, state snapshots, probes and the `nsgen test` runner.

It proves what the compiler (`nsgen.compiler`) writes; the compiler never imports it.
"""
