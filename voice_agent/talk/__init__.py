"""`voice-agent talk`: a terminal client that talks to a Realtime server with a microphone."""
