namespace Cltool.Cli.Tests;

/// <summary>The command surface: every mission command exists, parsing is strict, and settings validate.</summary>
public sealed class CommandLineTests
{
    public static readonly TheoryData<string> Commands = new()
    {
        "doctor", "pretrain", "methods", "train", "eval", "export", "serve", "deploy", "classify", "predict", "inspect", "report", "data", "bench",
    };

    [Fact]
    public void Help_lists_every_command()
    {
        CltoolProcess.Result result = CltoolProcess.Run("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string command in Commands) Assert.Matches($@"(?m)^\s+{command}\b", result.Output);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_help_pinned_by_a_snapshot(string command)
    {
        CltoolProcess.Result result = CltoolProcess.Run(command, "--help");

        Assert.Equal(0, result.ExitCode);
        CommittedSnapshot.Match(TrimLines(result.Output), command);
    }

    [Fact]
    public void A_snapshot_compares_with_the_committed_file_and_a_missing_one_fails()
    {
        // Canary for the CI build's mapped source paths: the committed file decides, and no file is never a pass.
        CommittedSnapshot.Match("pinned", "canary");
        Assert.ThrowsAny<Exception>(() => CommittedSnapshot.Match("changed", "canary"));
        Assert.ThrowsAny<Exception>(() => CommittedSnapshot.Match("anything", "no-such-snapshot"));

        string folder = Repository.File("tests", "Cli.Tests", "__snapshots__");
        File.Delete(Path.Combine(folder, "__mismatch__", $"CommandLineTests.{nameof(A_snapshot_compares_with_the_committed_file_and_a_missing_one_fails)}_canary.snap"));
        Assert.False(File.Exists(Path.Combine(folder, $"CommandLineTests.{nameof(A_snapshot_compares_with_the_committed_file_and_a_missing_one_fails)}_no-such-snapshot.snap")));
    }

    [Theory]
    [InlineData("bench", "train")]
    [InlineData("bench", "export")]
    [InlineData("bench", "serve")]
    [InlineData("bench", "data")]
    [InlineData("bench", "probe")]
    [InlineData("bench", "load")]
    public void Bench_subcommands_have_help(string branch, string command)
    {
        CltoolProcess.Result result = CltoolProcess.Run(branch, command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--out <DIR>", result.Output);
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error_naming_it()
    {
        CltoolProcess.Result result = CltoolProcess.Run("doctor", "--verbose-please");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("Unknown option 'verbose-please'", result.Errors);
    }

    [Theory]
    [InlineData("train", "--lr", "abc")]
    [InlineData("train", "--epochs", "2.5")]
    [InlineData("serve", "--max-batch", "many")]
    public void A_value_of_the_wrong_type_is_a_usage_error_naming_the_option(string command, string option, string value)
    {
        CltoolProcess.Result result = CltoolProcess.Run(command, option, value);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains($"{option}: '{value}' is not a value of the option's type", result.Errors);
        Assert.Single(result.Errors.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--epochs 0", "--epochs must be a positive integer, got 0.")]
    [InlineData("--recipe no-such.json", "--recipe: file 'no-such.json' does not exist.")]
    [InlineData("--lr -1", "--lr must be a positive number, got -1.")]
    [InlineData("--out r --seeds 1,2,1", "--seeds must be distinct integers separated by commas, got '1,2,1'.")]
    [InlineData("--out r --seeds 1,x", "--seeds must be distinct integers separated by commas, got '1,x'.")]
    [InlineData("--out r --seeds 1,2 --seed 3", "give --seed or --seeds, not both.")]
    [InlineData("--out r --drift-compensation sdc", "--drift-compensation must be one of none, mean-shift, linear, got 'sdc'.")]
    public void Invalid_train_settings_fail_before_any_work_with_one_clear_line(string arguments, string message)
    {
        CltoolProcess.Result result = CltoolProcess.Run(["train", .. arguments.Split(' ')]);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal($"error: {message}", result.Errors.Trim());
        Assert.Equal("", result.Output);
    }

    [Theory]
    [InlineData("train", "--threads 0", "--threads must be between 1 and this machine's {0} cores, got 0.")]
    [InlineData("train", "--threads 4097", "--threads must be between 1 and this machine's {0} cores, got 4097.")]
    [InlineData("train", "--wait-policy lazy", "--wait-policy must be one of default, active, passive, got 'lazy'.")]
    [InlineData("eval", "--threads -1", "--threads must be between 1 and this machine's {0} cores, got -1.")]
    [InlineData("eval", "--drift --compensation-bandwidth 0", "--compensation-bandwidth must be positive, got 0.")]
    [InlineData("eval", "--compensation-ridge 1", "--compensation-bandwidth and --compensation-ridge go with --drift.")]
    public void Options_outside_their_range_fail_with_the_accepted_values(string command, string arguments, string message)
    {
        string[] target = command == "train" ? ["--out", "r"] : ["."];
        CltoolProcess.Result result = CltoolProcess.Run([command, .. target, .. arguments.Split(' ')]);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal($"error: {string.Format(System.Globalization.CultureInfo.InvariantCulture, message, Environment.ProcessorCount)}", result.Errors.Trim());
    }

    [Fact]
    public void Serve_rejects_conflicting_and_out_of_range_values()
    {
        Assert.Equal(64, CltoolProcess.Run("serve").ExitCode); // --model is required
        CltoolProcess.Result device = CltoolProcess.Run("serve", "--model", "cltool.dll", "--device", "gpu");
        CltoolProcess.Result batch = CltoolProcess.Run("serve", "--model", "cltool.dll", "--max-batch", "0");

        Assert.Equal(64, device.ExitCode);
        Assert.Contains("'gpu'", device.Errors);
        Assert.Equal(64, batch.ExitCode);
        Assert.Contains("--max-batch must be a positive integer, got 0.", batch.Errors);
    }

    [Fact]
    public void The_standalone_host_takes_exactly_the_options_of_serve_and_refuses_the_same_values()
    {
        // The host is a program of its own, so it also has --version (cltool has it at the top level).
        static string Options(string help) => string.Join('\n', TrimLines(help[help.IndexOf("OPTIONS:", StringComparison.Ordinal)..])
            .Split('\n').Where(line => !line.Contains("--version", StringComparison.Ordinal)));
        CltoolProcess.Result host = CltoolProcess.RunHost("--help"), serve = CltoolProcess.Run("serve", "--help");
        CltoolProcess.Result unknown = CltoolProcess.RunHost("--modle", "x.onnx"), batch = CltoolProcess.RunHost("--model", "cltool.dll", "--max-batch", "0");

        Assert.Equal(0, host.ExitCode);
        Assert.Contains("cltool-host [OPTIONS]", host.Output);
        Assert.Equal(Options(serve.Output), Options(host.Output));
        Assert.Equal(64, unknown.ExitCode);
        Assert.Contains("--modle", unknown.Errors);
        Assert.Equal(64, batch.ExitCode);
        Assert.Contains("--max-batch must be a positive integer, got 0.", batch.Errors);
    }

    [Fact]
    public void Export_refuses_merge_and_no_merge_together()
    {
        CltoolProcess.Result result = CltoolProcess.Run("export", "cltool.dll", "--merge", "--no-merge");

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("--merge and --no-merge exclude each other.", result.Errors);
    }

    static string TrimLines(string text) =>
        string.Join('\n', text.Replace("\r", "").Split('\n').Select(line => line.TrimEnd())).Trim() + "\n";
}
