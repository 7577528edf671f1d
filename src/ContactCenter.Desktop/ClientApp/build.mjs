// Bundles the pages' scripts (sign-in, agent desktop, board, reports, the customer's /call page) and the browser phone module (phone.ts: JsSIP)
// into ../wwwroot/dist (git-ignored). Run by the MSBuild
// target in ContactCenter.Desktop.csproj during `dotnet build`, or by `npm run build`.
import { build } from "esbuild";

await build({
  entryPoints: ["src/signin.ts", "src/agent.ts", "src/board.ts", "src/reports.ts", "src/phone.ts", "src/call.ts"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outdir: "../wwwroot/dist",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
