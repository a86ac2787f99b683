using Cltool.Core;
using Cltool.Core.Continual;
using Cltool.Core.Data;

namespace Cltool.Cli.Tests;

/// <summary>`cltool inspect RUN_DIR` prints the run manifest and what differs from the machine it runs on.</summary>
public sealed class InspectRunTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    [Fact]
    public void Inspect_prints_the_manifest_and_names_what_differs_here()
    {
        string run = _temporary.File("run");
        Directory.CreateDirectory(run);
        RunEnvironment here = RunEnvironment.Here("cpu", 2);
        var manifest = new RunManifest(new TrainRecipe { Method = Methods.SdLora, Seed = 7 }, 7, [3, 1, 2, 0], new DatasetIdentity("fashion-mnist", new string('a', 64), 4, 30_000_000),
            "models/base.safetensors", new string('b', 64), here with { Commit = "0123456789abcdef0123456789abcdef01234567", Dirty = true }, new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc));
        manifest.Write(new RunDirectory(run));

        CltoolProcess.Result result = CltoolProcess.Run("inspect", run);

        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        string output = string.Join(" ", result.Output.Split((char[])['\n', '│', '┃'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("sdlora, fashion-mnist, seed 7", output);
        Assert.Contains("3 1 2 0", output);
        Assert.Contains($"sha256 {new string('a', 64)} over 4 files, 30.0 MB", output);
        Assert.Contains("commit 0123456789abcdef0123456789abcdef01234567 with uncommitted changes", output);
        Assert.Contains("differs here: cltool commit: the run had 0123456789abcdef0123456789abcdef01234567 (uncommitted changes)", output);
    }

    [Fact]
    public void A_directory_without_a_manifest_is_one_clear_error()
    {
        CltoolProcess.Result result = CltoolProcess.Run("inspect", _temporary.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"'{_temporary.Path}' has no run.json (expected a run directory of `cltool train`", result.Errors);
    }

    public void Dispose() => _temporary.Dispose();
}
