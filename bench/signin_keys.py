"""What per-person keys add to a sign-in, at the production Argon2 cost (decision 0027).

    .venv/bin/python -m bench.signin_keys [--rounds 15] [--time-cost 3 --memory-kib 65536
                                           --parallelism 4]

Measures, with the cost `portal.config` ships (the login hash's, which the key wrap
shares so that neither is the cheaper target for a copy of the database):

- the login check alone (argon2-cffi `PasswordHasher.verify`, what a sign-in did before);
- what a sign-in adds: deriving the passphrase key (Argon2id), opening the private
  keyset and holding it for the session (HKDF + AES-256-GCM);
- the first sign-in of an account made before key pairs (make and wrap a pair);
- a passphrase change's re-wrap (two derivations).

Prints medians and the load average, since figures on a shared 2-CPU machine move a
lot (docs/benchmarks.md). Target: at most 150 ms added to a sign-in.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from collections.abc import Callable

from bench.machine import describe_machine
from portal.crypto import person_keys as crypto
from portal.crypto.passwords import Argon2Params, PassphraseHasher

PASSPHRASE = "lantern orchard pebble violin thunder"  # noqa: S105 - fictional, as in tests
BINDING = "users:1:pub:bench"


def _median_ms(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (CPU time of every thread of this process:
    less moved by other people's load than the wall clock, but it sums Argon2's lanes)."""
    walls, cpus = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def measure(params: Argon2Params, rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU milliseconds of each step, at `params`."""
    hasher = PassphraseHasher(params)
    login_hash = hasher.hash(PASSPHRASE)
    key = crypto.PrivateKey.generate()
    wrapped = crypto.wrap_under_passphrase(key, PASSPHRASE, params, BINDING)
    token = secrets.token_urlsafe(32)

    def unlock_and_hold() -> None:
        opened = crypto.unwrap_with_passphrase(wrapped, PASSPHRASE, BINDING)
        crypto.hold_for_session(opened, token, "user_sessions:1:users:1")

    def first_pair() -> None:
        made = crypto.PrivateKey.generate()
        crypto.hold_for_session(made, token, "user_sessions:1:users:1")
        crypto.wrap_under_passphrase(made, PASSPHRASE, params, BINDING)

    def rewrap() -> None:
        opened = crypto.unwrap_with_passphrase(wrapped, PASSPHRASE, BINDING)
        crypto.wrap_under_passphrase(opened, "a new passphrase of five words", params, BINDING)

    held = crypto.hold_for_session(key, token, "user_sessions:1:users:1")
    sealed = crypto.seal_to(key.public_keyset(), secrets.token_bytes(32), "bench")
    return {
        "login check alone (before)": _median_ms(lambda: hasher.verify(login_hash, PASSPHRASE),
                                                 rounds),
        "added at sign-in: unlock and hold": _median_ms(unlock_and_hold, rounds),
        "added at a first sign-in: make, hold, wrap": _median_ms(first_pair, rounds),
        "passphrase change: re-wrap": _median_ms(rewrap, rounds),
        "per use: open the held key and one sealed value": _median_ms(
            lambda: crypto.release_from_session(held, token, "user_sessions:1:users:1")
            .open(sealed, "bench"), rounds),
    }


def main() -> None:
    shipped = Argon2Params()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--time-cost", type=int, default=shipped.time_cost)
    parser.add_argument("--memory-kib", type=int, default=shipped.memory_cost_kib)
    parser.add_argument("--parallelism", type=int, default=shipped.parallelism)
    args = parser.parse_args()
    params = Argon2Params(args.time_cost, args.memory_kib, args.parallelism)
    print(describe_machine())
    print(f"Argon2id t={params.time_cost} m={params.memory_cost_kib} KiB "
          f"p={params.parallelism}; {args.rounds} rounds; load before: {os.getloadavg()}")
    print(f"  {'step':<50} {'wall ms':>9} {'CPU ms':>9}  (medians)")
    for name, (wall, cpu) in measure(params, args.rounds).items():
        print(f"  {name:<50} {wall:9.1f} {cpu:9.1f}")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
