"""Seeded fuzzing of the Realtime protocol: what a client may send, and what it must get back.

- `cases`: a `Case` (a message and what the server must answer), `judge`, and `Figures`.
- `values`, `invalid`: odd JSON values, and values surely invalid per field of each event.
- `valid`: valid client events of every kind the server handles.
- `mutate`: the `Fuzzer`, which turns valid events into cases, valid or not, from a seed.
- `sans_io`: cases through the gateway's `dispatch` into a real session with a model-free
  engine and VAD on virtual time (the unit test and `scripts/fuzz.py`).
- `live`: the same cases over a WebSocket to a running server (the e2e test).
"""
