"""Naive recursive Fibonacci, typed `int` recursion in the Jactl twin."""

KIND = "typed"
N = 29
QUICK_N = 12


def fib(x):
    return x if x < 2 else fib(x - 1) + fib(x - 2)


def run(n):
    return fib(n)
