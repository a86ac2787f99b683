// cltool's build: `dotnet cake --target=<Task>` (Cake.Tool is pinned in .config/dotnet-tools.json).
//   Restore, Build  - the whole solution (the build also repairs libLibTorchSharp.so where Debian needs it)
//   Format          - dotnet format --verify-no-changes: the .editorconfig house style (Test depends on it)
//   Test            - every xunit project; fails when a test fails
//   Demo            - the README's main job on the built-in default data
//   Bench           - the benchmarks, each printing ratios measured side by side in one run
//   Stress          - the trainer's native paths under memory pressure in several processes (a long run, not in Test)
//   Fuzz            - the fuzz tests at 400 times their cases with their own seed: a long run outside CI

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");

var solution = File("./cltool.slnx");
var artifacts = Directory("./artifacts");
var cltool = File($"./src/Cli/bin/{configuration}/net10.0/cltool");

Task("Restore")
    .Does(() => DotNetRestore(solution));

Task("Build")
    .IsDependentOn("Restore")
    .Does(() => DotNetBuild(solution, new DotNetBuildSettings
    {
        Configuration = configuration,
        NoRestore = true,
    }));

var testResults = artifacts + Directory("test-results");
// House style as the .editorconfig states it (whitespace, using order, naming, unused usings): a change that breaks it
// fails here, before the tests, with the files and lines; `dotnet format cltool.slnx` applies it.
Task("Format")
    .IsDependentOn("Build")
    .Does(() =>
    {
        int exitCode = StartProcess("dotnet", new ProcessSettings { Arguments = $"format {solution} --verify-no-changes --no-restore" });
        if (exitCode != 0) throw new CakeException(exitCode, "dotnet format found code that does not follow .editorconfig; run `dotnet format cltool.slnx` and commit.");
    });

Task("Test")
    .IsDependentOn("Format")
    .Does(() =>
    {
        if (DirectoryExists(testResults)) CleanDirectory(testResults);
        DotNetTest(solution, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            Loggers = { "console;verbosity=normal", "trx" },
            ResultsDirectory = testResults,
        });
    })
    // The projects run in parallel and their logs interleave, so a failure scrolls out of sight (CI keeps only the
    // tail): repeat every failed test, its message and the top of its stack as the last thing printed.
    .OnError(exception =>
    {
        foreach (var trx in GetFiles($"{testResults}/*.trx"))
            foreach (var result in System.Xml.Linq.XDocument.Load(trx.FullPath).Descendants()
                         .Where(e => e.Name.LocalName == "UnitTestResult" && (string)e.Attribute("outcome") == "Failed"))
            {
                string Text(string name) => result.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
                Error($"FAILED {result.Attribute("testName")?.Value}\n{Text("Message")}\n{string.Join("\n", Text("StackTrace").Split('\n').Take(4))}");
            }
        throw exception;
    });

// The main job, the whole mission on the built-in default: SD-LoRA on the glyph proxy (116 classes the base never saw,
// 9 tasks of 12-20 classes) from the built-in base model, the merged ONNX export with its parity and test-set checks,
// then the inference host serving it, one proxy test image classified over HTTP, and the host stopped with SIGTERM; a
// few minutes on 2 cores. Each run starts fresh in runs/demo; `cltool train ... --resume` continues one that was interrupted.
var demoRecipe = "models/recipes/split-glyphs-short.json";
var demoData = "glyphs:proxy?train=300&test=50"; // the recipe's dataset, for the image classified over HTTP
Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
    {
        Cltool("doctor");
        var run = Directory("./runs/demo");
        if (DirectoryExists(run)) DeleteDirectory(run, new DeleteDirectorySettings { Recursive = true });
        Cltool($"train --recipe {demoRecipe} --out {run}");
        Cltool($"export {run} --merge --out {run}/model.onnx --eval --triton {run}/triton");
        ServeAndClassify($"{run}/model.onnx");
    });

var stressSeconds = Argument("stress-seconds", 600);
Task("Stress")
    .IsDependentOn("Build")
    .Does(() => Cltool($"bench stress --processes 3 --seconds {stressSeconds} --out {artifacts}/stress"));

Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
    {
        foreach (var benchmark in new[] { "data", "train", "export", "serve" })
            Cltool($"bench {benchmark} --out {artifacts}/bench/{benchmark}");
        Cltool($"bench summary {artifacts}/bench");
    });

// The host as a self-contained linux-x64 bundle with ONNX Runtime's CPU and CUDA libraries, xz-compressed and split
// into parts of at most 60 MiB with sha256 manifests (artifacts/bundle; tools/gpu/unpack.sh reassembles it anywhere,
// tools/gpu/RUNBOOK.md takes it to a GPU machine).
Task("Bundle")
    .Does(() =>
    {
        int exitCode = StartProcess("bash", new ProcessSettings { Arguments = $"tools/gpu/bundle.sh {artifacts}/bundle" });
        if (exitCode != 0) throw new CakeException(exitCode, $"tools/gpu/bundle.sh exited with {exitCode}.");
    });

// Serving and training under load, change and faults (not in CI: about 40 minutes on 2 cores): 10,000 requests at
// concurrency 64 over REST JSON, REST binary and gRPC, three version swaps under load, a 10-minute soak with the host's RSS
// sampled, SIGTERM; then 20 SIGKILLs of a training run, each resumed, against a straight run. Tables in artifacts/proof.
Task("Proof")
    .IsDependentOn("Build")
    .Does(() =>
    {
        foreach (var script in new[] { "tools/proof/serve-under-load.sh", "tools/proof/kill-resume.sh" })
        {
            Information(script);
            int exitCode = StartProcess("bash", new ProcessSettings { Arguments = script });
            if (exitCode != 0) throw new CakeException(exitCode, $"{script} exited with {exitCode}.");
        }
    });

// The suite's fuzz tests of the live host and of the files users hand cltool, at CLTOOL_FUZZ_SCALE times their cases
// (400: 100,000 damaged infer bodies, 200,000 damaged image uploads, ...) drawn from their own fixed seed; the counts of
// every outcome go to artifacts/fuzz/report.txt and are printed at the end (docs/serving.md, "Reliability").
var fuzzSeed = Argument("fuzz-seed", "cltoolFuzz01");
var fuzzScale = Argument("fuzz-scale", 400);
Task("Fuzz")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var report = artifacts + File("fuzz/report.txt");
        EnsureDirectoryExists(artifacts + Directory("fuzz"));
        if (FileExists(report)) DeleteFile(report);
        DotNetTest(solution, new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            NoRestore = true,
            Filter = "Category=Fuzz",   // every fuzz class carries the trait (a name filter had missed two)
            EnvironmentVariables =
            {
                ["CLTOOL_FUZZ_SCALE"] = fuzzScale.ToString(),
                ["CLTOOL_FUZZ_SEED"] = fuzzSeed,
                ["CLTOOL_FUZZ_REPORT"] = MakeAbsolute(report).FullPath,
            },
        });
        Information($"fuzz seed {fuzzSeed}, scale {fuzzScale}:\n{System.IO.File.ReadAllText(MakeAbsolute(report).FullPath)}");
    });

RunTarget(target);

// Starts `cltool serve` on free loopback ports (HTTP and gRPC), waits until it is ready, classifies a test image over HTTP, prints the
// accuracy table again, and stops the host with SIGTERM (it must drain and exit 0).
void ServeAndClassify(string model)
{
    string url = $"http://127.0.0.1:{FreePort()}", grpcUrl = $"http://127.0.0.1:{FreePort()}";
    Information($"cltool serve --model {model} --urls {url} --grpc-urls {grpcUrl}");
    var start = new System.Diagnostics.ProcessStartInfo(MakeAbsolute(cltool).FullPath) { UseShellExecute = false };
    foreach (var argument in new[] { "serve", "--model", model, "--urls", url, "--grpc-urls", grpcUrl }) start.ArgumentList.Add(argument);
    using var host = System.Diagnostics.Process.Start(start);
    try
    {
        using var http = new System.Net.Http.HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try { if (http.GetAsync($"{url}/v2/health/ready").Result.IsSuccessStatusCode) break; }
            catch (AggregateException) { }
            if (DateTime.UtcNow > deadline) throw new CakeException("the inference host did not become ready within 60 s.");
            System.Threading.Thread.Sleep(200);
        }
        Cltool($"classify --url {url} --model model --data \"{demoData}\" --index 0");
        Cltool($"eval {System.IO.Path.GetDirectoryName(model)} --workers 2");
    }
    finally
    {
        StartProcess("kill", new ProcessSettings { Arguments = $"-TERM {host.Id}" });
        host.WaitForExit();
    }
    if (host.ExitCode != 0) throw new CakeException($"the inference host exited with {host.ExitCode} after SIGTERM.");
}

// A loopback port nothing listens on now (the OS's pick), so a second job or a Triton already running cannot collide.
int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

// Runs the built cltool and fails the task, with cltool's own message already printed, when it fails.
void Cltool(string arguments)
{
    Information($"cltool {arguments}");
    int exitCode = StartProcess(cltool, new ProcessSettings { Arguments = arguments });
    if (exitCode != 0) throw new CakeException(exitCode, $"cltool {arguments} exited with {exitCode}.");
}
