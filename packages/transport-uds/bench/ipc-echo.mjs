// Bench peer B for Node's own handle passing: sends every message back over the IPC channel,
// with the socket handle it carried (Node then closes B's copy).
process.on('message', (message, handle) => {
  if (handle) process.send(message, handle);
  else process.send(message);
});
process.on('disconnect', () => process.exit(0));
