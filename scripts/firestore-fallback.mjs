// Fallback Firestore emulator: @firestore-emulator/server's gRPC service on 127.0.0.1 only
// (its own start() binds every interface), plus the two HTTP endpoints of Google's
// emulator that our scripts use, on the next port: GET / (ready) and DELETE .../documents (reset).
// Usage: node scripts/firestore-fallback.mjs GRPC_PORT
import http from "node:http";
import { ServerCredentials } from "@grpc/grpc-js";
import { FirestoreServer } from "@firestore-emulator/server";

const port = Number(process.argv[2] || 8080);
const emulator = new FirestoreServer();
emulator.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => {
  if (err) { console.error(err); process.exit(1); }
  http.createServer((req, res) => {
    if (req.method === "DELETE" && req.url.includes("/documents")) emulator.state.clear();
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("Ok\n");
  }).listen(port + 1, "127.0.0.1", () => console.log(`fallback Firestore emulator on 127.0.0.1:${port}`));
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { emulator.stop(); process.exit(0); });
