import http from "node:http";
import { Webhook } from "standardwebhooks";

const wh = new Webhook(process.env.PASSGATE_WEBHOOK_SECRET!); // "whsec_…"
http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c)).on("end", () => {
    try {
      // Checks the signature and that webhook-timestamp is within 5 minutes.
      const event = wh.verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>) as any;
      console.log(event.type, event.data); // de-duplicate on req.headers["webhook-id"]
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
}).listen(8000);
