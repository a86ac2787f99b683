// cltool's build: `dotnet cake --target=<Task>` (Cake.Tool is pinned in .config/dotnet-tools.json).
//   Restore, Build  - the whole solution (the build also repairs libLibTorchSharp.so where Debian needs it)
//   Test            - every xunit project; fails when a test fails
//   Demo            - the README's main job on the built-in default data
//   Bench           - the benchmarks, each printing ratios measured side by side in one run

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

Task("Test")
    .IsDependentOn("Build")
    .Does(() => DotNetTest(solution, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        NoRestore = true,
        Loggers = { "console;verbosity=normal", "trx" },
        ResultsDirectory = artifacts + Directory("test-results"),
    }));

// The main job: SD-LoRA on Split Fashion-MNIST (5 tasks of 2 classes) from the built-in base model, then the merged
// ONNX export with its parity and test-set checks; a few minutes on 2 cores. Each run starts fresh in runs/demo; `cltool train ... --resume` continues one that was interrupted.
Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
    {
        Cltool("doctor");
        var run = Directory("./runs/demo");
        if (DirectoryExists(run)) DeleteDirectory(run, new DeleteDirectorySettings { Recursive = true });
        Cltool($"train --recipe models/recipes/split-fashion-mnist.json --out {run}");
        Cltool($"export {run} --merge --out {run}/model.onnx --eval --triton {run}/triton");
    });

Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
    {
        foreach (var benchmark in new[] { "data", "train", "export", "serve" })
            Cltool($"bench {benchmark} --out {artifacts}/bench/{benchmark}");
    });

RunTarget(target);

// Runs the built cltool and fails the task, with cltool's own message already printed, when it fails.
void Cltool(string arguments)
{
    Information($"cltool {arguments}");
    int exitCode = StartProcess(cltool, new ProcessSettings { Arguments = arguments });
    if (exitCode != 0) throw new CakeException(exitCode, $"cltool {arguments} exited with {exitCode}.");
}
