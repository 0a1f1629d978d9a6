"""Evaluation harness: gold questions, scoring, reports and the speed benchmark."""
