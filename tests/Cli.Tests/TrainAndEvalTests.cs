using System.Diagnostics;
using System.Text.RegularExpressions;
using Cltool.Core.Continual;

namespace Cltool.Cli.Tests;

/// <summary>`cltool train`, `eval` and `export` as a user runs them: real processes, a real kill, real files.</summary>
public sealed class TrainAndEvalTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly string _base;

    public TrainAndEvalTests() => _base = TinyBase.Write(_temporary.File("base.safetensors"));

    public void Dispose() => _temporary.Dispose();

    /// <summary>A run's metrics.json with the alignment and training seconds zeroed: wall-clock time is the one thing a rerun may not repeat.</summary>
    static string MetricsWithoutTimes(string run) =>
        System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(Path.Combine(run, "metrics.json")), "\"(headAlignSeconds|trainingSeconds|peakResidentMegabytes)\": [0-9.eE+-]+", "\"$1\": 0");

    string[] Train(string run, int trainPerClass = 16) =>
    [
        "train", "--base", _base, "--out", run, "--train-per-class", $"{trainPerClass}", "--test-per-class", "10", "--epochs", "2",
        "--batch-size", "8", "--lr", "0.05", "--workers", "1",
    ];

    [Fact]
    public void Two_seeds_in_one_train_command_give_a_run_each_a_summary_that_report_reproduces_and_drift_eval_reads_their_statistics()
    {
        string root = _temporary.File("seeds");
        CltoolProcess.Result train = CltoolProcess.Run([.. Train(root, 8), "--head-align", "ca", "--seeds", "1,2"]);

        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Contains("head options on the same backbone", train.Output);
        Assert.Matches(@"ca \(this run's\)", train.Output);
        Assert.Matches(@"task-id accuracy \(argmax among the image's own task's classes\): \d+\.\d\d", train.Output);
        Assert.Matches(@"task 5 parameters, trainable / stored: backbone 0 / [\d,]+ · frozen directions 0 / [\d,]+ · magnitudes 5 / 5 · " +
                       @"current adapter ([\d,]+) / \1 · head 330 / 330", train.Output);
        Assert.Contains("parameters per task, trainable / stored", train.Output);
        string[] runs = [Path.Combine(root, "seed-1"), Path.Combine(root, "seed-2")];
        Assert.Equal([1, 2], runs.Select(run => RunManifest.Read(new RunDirectory(run))!.Seed));
        Assert.All(runs, run => Assert.Matches(@"^\d+ intra-op threads?, OpenMP wait \w+ \(auto: ", RunManifest.Read(new RunDirectory(run))!.Environment.ThreadPolicy));
        Assert.All(runs, run => Assert.All(MetricsReport.Read(new RunDirectory(run).Metrics).Costs!, cost => Assert.InRange(cost.PeakResidentMegabytes!.Value, 100, 4000)));
        string prefix = _temporary.File("table");

        CltoolProcess.Result report = CltoolProcess.Run(["report", .. runs, "--out", prefix]);

        Assert.True(report.ExitCode == 0, report.Output + report.Errors);
        foreach (string head in new[] { "ca", "none", "wa", "ca-restore" })
            Assert.Matches($@"\| fashion-mnist \| sdlora \| {head} \| \d+\.\d\d ± \d+\.\d\d \|.* \| \d+ ± \d+ \| — \|", report.Output);
        Assert.Contains("2 seed(s) (1, 2)", File.ReadAllText(prefix + ".md"));
        Assert.Equal(File.ReadAllText(prefix + ".json"), File.ReadAllText(Path.Combine(root, "summary.json")));
        var rows = Core.Models.CltoolJson.Deserialize<Core.Reports.MethodTableRow[]>(File.ReadAllText(prefix + ".json"), "table");
        MetricsReport first = Core.Models.CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(Path.Combine(runs[0], "metrics.json")), "metrics");
        MetricsReport second = Core.Models.CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(Path.Combine(runs[1], "metrics.json")), "metrics");
        Assert.Equal((first.Acc + second.Acc) / 2, rows[0].Acc.Mean, 9);
        Assert.Equal(Math.Abs(first.Acc - second.Acc) / Math.Sqrt(2), rows[0].Acc.Std, 9);
        Assert.True(new FileInfo(prefix + ".png").Length > 1000);
        Assert.True(new FileInfo(prefix + "-curves.png").Length > 1000);
        Assert.Equal((first.AccuracyAfterTask[2] + second.AccuracyAfterTask[2]) / 2, rows[0].AfterTask[2].Mean, 9);
        Assert.Equal(first.Costs!.Sum(c => c.TrainingSeconds) + second.Costs!.Sum(c => c.TrainingSeconds), 2 * rows[0].TrainingSeconds!.Mean, 6);
        Assert.True(new FileInfo(Path.Combine(root, "summary.png")).Length > 1000);

        CltoolProcess.Result inspect = CltoolProcess.Run("inspect", runs[0]);
        Assert.True(inspect.ExitCode == 0, inspect.Output + inspect.Errors);
        Assert.Contains("parameters per task, trainable / stored", inspect.Output);
        Assert.Matches(@"│ 5\s+│\s+\d+\.\d │\s+\d+ │ 0 / [\d,]+\s+│", inspect.Output);

        // eval --drift: each task's class means at the end against those its ca statistics stored; the last task has not moved.
        CltoolProcess.Result drift = CltoolProcess.Run("eval", runs[0], "--drift", "--workers", "1");
        Assert.True(drift.ExitCode == 0, drift.Output + drift.Errors);
        Assert.Matches(@"│ task 1\s+│\s+0\.\d{4} │\s+0\.\d{4} │\s+0\.\d{4} │", drift.Output);
        Assert.Matches(@"│ task 5\s+│\s+0\.0000 │\s+0\.0000 │\s+1\.0000 │", drift.Output);
        Assert.Matches(@"mean relative drift over the 10 classes: 0\.\d{4}", drift.Output);
        CltoolProcess.Result onFile = CltoolProcess.Run("eval", Path.Combine(runs[0], "checkpoints", "task-05.safetensors"), "--drift");
        Assert.Equal(64, onFile.ExitCode);
        Assert.Equal("error: --drift needs a run directory (its statistics/ folder), not a checkpoint file.", onFile.Errors.Trim());

        // A run of another dataset (here: seed 2's files with the recipe's data renamed) gets rows of its own, and report says so.
        string other = _temporary.File("other-data");
        CopyDirectory(runs[1], other);
        string recipe = Path.Combine(other, "recipe.json");
        File.WriteAllText(recipe, File.ReadAllText(recipe).Replace("\"data\": \"fashion-mnist\"", "\"data\": \"glyphs:proxy\"", StringComparison.Ordinal));
        CltoolProcess.Result mixed = CltoolProcess.Run("report", runs[0], other);
        Assert.True(mixed.ExitCode == 0, mixed.Output + mixed.Errors);
        Assert.Contains("these runs use 2 datasets (fashion-mnist; glyphs:proxy): their rows are grouped by dataset and never averaged together", mixed.Output);
        Assert.Matches(@"\| glyphs:proxy \| sdlora \| ca \| \d+\.\d\d ± 0\.00 \|", mixed.Output);
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public void A_drift_compensated_run_reports_every_compensation_and_eval_drift_scores_each_one_s_statistics_error()
    {
        string run = _temporary.File("compensated");
        CltoolProcess.Result train = CltoolProcess.Run([.. Train(run), "--head-align", "ca", "--drift-compensation", "linear"]);

        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Matches(@"ca\+linear \(this run's\)", train.Output);
        Assert.Matches(@"task 5: embedding before the task \d+\.\d s, class statistics \d+\.\d s, alignment \d+\.\d s", train.Output);
        CltoolProcess.Result report = CltoolProcess.Run("report", run, "--out", _temporary.File("table"));
        Assert.True(report.ExitCode == 0, report.Output + report.Errors);
        foreach (string head in new[] { "ca\\+linear", "ca", "ca\\+mean-shift", "ca-restore\\+linear" })
            Assert.Matches($@"\| fashion-mnist \| sdlora \| {head} \| \d+\.\d\d", report.Output);

        CltoolProcess.Result drift = CltoolProcess.Run("eval", run, "--drift", "--workers", "1", "--compensation-ridge", "0.5");

        Assert.True(drift.ExitCode == 0, drift.Output + drift.Errors);
        Assert.Matches(@"│ task 1\s+│\s+0\.\d{4} │\s+0\.\d{4} │\s+0\.\d{4} │", drift.Output);
        Assert.Matches(@"│ earlier classes\s+│\s+0\.\d{4} │\s+0\.\d{4} │\s+0\.\d{4} │", drift.Output);
        Assert.Matches(@"mean-shift: error 0\.\d{4} vs 0\.\d{4} uncompensated(, \d+\.\d\dx smaller|: not working)", drift.Output);
        Assert.Matches(@"linear: error 0\.\d{4} vs 0\.\d{4} uncompensated(, \d+\.\d\dx smaller|: not working)", drift.Output);
    }

    [Fact]
    public void A_kd_run_logs_each_absorb_inspect_tables_the_adapter_and_report_plots_accuracy_against_stored_parameters()
    {
        string run = _temporary.File("kd");
        CltoolProcess.Result train = CltoolProcess.Run([.. Train(run, 8), "--method", "sdlora-kd", "--kd-threshold", "1"]);
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Matches(@"kd: absorbed 4 of 4 modules of task 5's direction \(residual min \d\.\d{4}, median \d\.\d{4}, max \d\.\d{4}\)", train.Output);

        CltoolProcess.Result inspect = CltoolProcess.Run("inspect", Path.Combine(run, "checkpoints", "task-05.safetensors"));
        Assert.True(inspect.ExitCode == 0, inspect.Output + inspect.Errors);
        Assert.Matches(@"│ 5\s+│ 0\s+│ \d\.\d{4}\s+│ 0/4\s+│ 4\s+│ 0\s+│ 0\s+│", inspect.Output);

        string prefix = _temporary.File("kd-table");
        CltoolProcess.Result report = CltoolProcess.Run("report", run, "--out", prefix);
        Assert.True(report.ExitCode == 0, report.Output + report.Errors);
        Assert.Matches(@"\| sdlora-kd \| none \| .* \| [\d,]+ \| \d+ ± \d+ \| 1, 100\.0 % \|", report.Output);
        Assert.True(new FileInfo(prefix + "-parameters.png").Length > 1000);
    }

    [Fact]
    public void A_clora_run_inspects_as_a_routed_adapter_and_reports_its_variant()
    {
        string run = _temporary.File("clora");
        CltoolProcess.Result train = CltoolProcess.Run([.. Train(run, 8), "--method", "clora", "--clora-targets", "kv", "--clora-lambda", "0"]);
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);

        CltoolProcess.Result inspect = CltoolProcess.Run("inspect", Path.Combine(run, "checkpoints", "task-05.safetensors"));
        Assert.True(inspect.ExitCode == 0, inspect.Output + inspect.Errors);
        Assert.Contains("clora.blocks.1.attn.k.routing_old", inspect.Output);
        Assert.DoesNotContain("routing_delta", inspect.Output);   // merged into R_old at the end of every task
        Assert.Matches(@"clora adapter after task 5: rank 10, [\d,]+ parameters stored", inspect.Output);
        Assert.Matches(@"│ 1\s+│ \d+\.\d{4}\s+│ \d+\.\d{4}\s+│ \d+\.\d{4}\s+│ \d+\.\d{4}\s+│", inspect.Output);

        CltoolProcess.Result report = CltoolProcess.Run("report", run);
        Assert.True(report.ExitCode == 0, report.Output + report.Errors);
        Assert.Matches(@"\| clora \(kv, λ 0\) \| none \|", report.Output);

        // eval rebuilds the routed model from the checkpoint alone and scores what the run scored.
        MetricsReport metrics = Core.Models.CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(Path.Combine(run, "metrics.json")), "metrics");
        CltoolProcess.Result eval = CltoolProcess.Run("eval", run, "--workers", "1");
        Assert.True(eval.ExitCode == 0, eval.Output + eval.Errors);
        Assert.Contains($"accuracy after task 5 on its 10 classes: {metrics.Acc * 100:F2} %", eval.Output);
    }

    [Fact]
    public void An_inflora_run_prints_its_subspace_after_each_task_inspects_it_and_evaluates_as_it_trained()
    {
        string run = _temporary.File("inflora");
        CltoolProcess.Result train = CltoolProcess.Run([.. Train(run, 8), "--method", "inflora"]);
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Matches(@"inflora: after task 5 \(ε 0\.9900\) the stored subspace holds \d+ \d+ of 32 dimensions per block", train.Output);

        CltoolProcess.Result inspect = CltoolProcess.Run("inspect", Path.Combine(run, "checkpoints", "task-05.safetensors"));
        Assert.True(inspect.ExitCode == 0, inspect.Output + inspect.Errors);
        Assert.Contains("inflora.blocks.1.attn.tasks.4.v.lora_B", inspect.Output);
        Assert.Matches(@"inflora adapter after task 5: rank 10 per task on k and v of 2/2 blocks, 9,600 parameters, subspace [\d,]+ bytes",
                       Regex.Replace(inspect.Output, @"\s+", " "));   // the title wraps at the table's width
        Assert.Matches(@"│ 1\s+│ \d+/32\s+│ 5\s+│ \d+\.\d{4}\s+│ \d+\.\d{4}\s+│", inspect.Output);

        MetricsReport metrics = Core.Models.CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(Path.Combine(run, "metrics.json")), "metrics");
        CltoolProcess.Result eval = CltoolProcess.Run("eval", run, "--workers", "1");
        Assert.True(eval.ExitCode == 0, eval.Output + eval.Errors);
        Assert.Contains($"accuracy after task 5 on its 10 classes: {metrics.Acc * 100:F2} %", eval.Output);
    }

    [Theory]
    [InlineData("sdlora", "--clora-lambda", "0.1", "clora applies to method clora only, not 'sdlora'")]
    [InlineData("clora", "--clora-basis", "pca", "clora.basis 'pca' is not one of energy, raw")]
    [InlineData("clora", "--clora-lambda", "-1", "clora.lambda must be a number ≥ 0")]
    public void Bad_clora_options_fail_with_one_line_and_leave_no_run_behind(string method, string option, string value, string expected)
    {
        string run = _temporary.File("run");

        CltoolProcess.Result result = CltoolProcess.Run("train", "--method", method, option, value, "--base", _base, "--out", run);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Errors);
        Assert.Single(result.Errors.Trim().Split('\n'));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Report_of_an_unfinished_run_names_it_and_what_is_missing()
    {
        string run = _temporary.File("empty");
        Directory.CreateDirectory(run);

        CltoolProcess.Result report = CltoolProcess.Run("report", run);

        Assert.Equal(1, report.ExitCode);
        Assert.Contains($"'{run}' is not a finished run directory", report.Errors);
    }

    [Fact]
    public void Export_of_a_file_that_is_not_a_checkpoint_is_one_line_and_writes_no_model()
    {
        string model = _temporary.File("model.onnx");
        CltoolProcess.Result result = CltoolProcess.Run("export", _base, "-o", model);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: '{_base}' is not a cltool checkpoint (metadata format 'cltool.model', expected 'cltool.checkpoint').", result.Errors.Trim());
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void A_killed_training_process_resumes_and_ends_with_the_same_weights()
    {
        string straight = _temporary.File("straight"), killed = _temporary.File("killed");
        Assert.Equal(0, CltoolProcess.Run(Train(straight, 64)).ExitCode);

        using (Process process = CltoolProcess.Start(Train(killed, 64)))
        {
            string marker = Path.Combine(killed, "checkpoints", "task-02.safetensors");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(marker) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(killed, "checkpoints", "task-05.safetensors")), "the process finished before it was killed");

        CltoolProcess.Result resumed = CltoolProcess.Run([.. Train(killed, 64), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Errors);
        Assert.Contains("resumed", resumed.Output);

        ContinualCheckpoint a = ContinualCheckpoint.Load(Path.Combine(straight, "checkpoints", "task-05.safetensors"));
        ContinualCheckpoint b = ContinualCheckpoint.Load(Path.Combine(killed, "checkpoints", "task-05.safetensors"));
        Assert.Equal(a.HeadWeight.Data, b.HeadWeight.Data);
        Assert.Equal(a.Magnitudes(), b.Magnitudes());
        for (int i = 0; i < 5; i++) Assert.Equal(a.Directions()[i].Query[0].B.Data, b.Directions()[i].Query[0].B.Data);
        Assert.Equal(MetricsWithoutTimes(straight), MetricsWithoutTimes(killed));
    }

    [Fact]
    public void A_write_that_fails_in_the_middle_of_a_file_is_one_line_leaves_the_last_good_checkpoint_and_resumes()
    {
        string straight = _temporary.File("straight"), limited = _temporary.File("limited");
        Assert.Equal(0, CltoolProcess.Run(Train(straight)).ExitCode);
        // Checkpoints grow task by task (head rows, directions): a limit between the 2nd and the last one's size lets
        // the first ones be written whole and makes a later write fail part-way, as a disk that fills up would.
        long Size(int task) => new FileInfo(Path.Combine(straight, "checkpoints", $"task-0{task}.safetensors")).Length;
        long limitKb = (Size(2) + Size(5)) / 2 / 1024;

        CltoolProcess.Result failed = CltoolProcess.RunWithFileSizeLimit(limitKb, Train(limited));

        Assert.Equal(1, failed.ExitCode);
        Assert.Matches(@"^error: Could not write '.*(task-0\d|resume)\.safetensors': .*\. The file that was there before is unchanged\.$", failed.Errors.Trim());
        Assert.Empty(Directory.GetFiles(limited, "*.tmp", SearchOption.AllDirectories));
        string[] written = Directory.GetFiles(Path.Combine(limited, "checkpoints"), "task-*.safetensors");
        Assert.InRange(written.Length, 2, 4);
        foreach (string checkpoint in written) Assert.Equal(ContinualCheckpoint.Load(checkpoint).Task + 1, int.Parse(Path.GetFileNameWithoutExtension(checkpoint)[5..]));

        CltoolProcess.Result resumed = CltoolProcess.Run([.. Train(limited), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Errors);
        Assert.Equal(MetricsWithoutTimes(straight), MetricsWithoutTimes(limited));
    }

    [Theory]
    [InlineData("{\"method\": \"sdlora\", \"lr\": 0.1}", "'lr'")]
    [InlineData("{\"initClasses\": 11}", "initClasses 11 is more than the 10 classes")]
    [InlineData("{\"data\": \"imagefolder:/no/such/folder\"}", "folder '/no/such/folder' does not exist")]
    [InlineData("{\"data\": \"glyphs:latin-upper,klingon\"}", "Unknown glyph set 'klingon'; expected one of: benchmark, pretrain, proxy")]
    [InlineData("{\"data\": \"glyphs:latin-upper\", \"initClasses\": 20, \"increment\": 12, \"tasks\": 9}",
                "9 tasks of initClasses 20 + increment 12 need 116 classes; 'glyphs:latin-upper' has 26")]
    [InlineData("{\"method\": \"simplecil\", \"headAlign\": \"ca\"}", "method 'simplecil' has none to align")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"threshold\": 1.5}}", "inflora.threshold must be in (0, 1]")]
    [InlineData("{\"method\": \"inflora\", \"inflora\": {\"blocks\": 5}}", "inflora.blocks 5 is more than the model's 2 blocks")]
    [InlineData("{\"method\": \"inflora\", \"rank\": 40}", "rank 40 is larger than the model's width 32")]
    [InlineData("{\"method\": \"clora\", \"inflora\": {\"blocks\": 1}}", "inflora applies to method inflora only, not 'clora'")]
    public void Bad_recipes_fail_with_one_line_and_leave_no_run_behind(string json, string expected)
    {
        string recipe = _temporary.File("recipe.json"), run = _temporary.File("run");
        File.WriteAllText(recipe, json);

        CltoolProcess.Result result = CltoolProcess.Run("train", "-r", recipe, "--base", _base, "--out", run);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Errors);
        Assert.Single(result.Errors.Trim().Split('\n'));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_base_file_that_is_not_a_plain_vit_fails_with_one_line_and_leaves_no_run_behind()
    {
        string notAViT = _temporary.File("not-a-vit.safetensors"), run = _temporary.File("run");
        NotAViT.Write(notAViT);

        CltoolProcess.Result result = CltoolProcess.Run("train", "--base", notAViT, "--model", "vit-test-16", "--out", run);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is neither a timm ViT (blocks.0.attn.qkv.weight) nor a Hugging Face ViTModel", result.Errors);
        Assert.Single(result.Errors.Trim().Split('\n'));
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Eval_rejects_a_file_that_is_not_a_checkpoint()
    {
        CltoolProcess.Result result = CltoolProcess.Run("eval", _base);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a cltool checkpoint (metadata format 'cltool.model'", result.Errors);
    }

    [Fact]
    public void Dry_run_prints_the_tasks_of_the_numpy_class_order()
    {
        CltoolProcess.Result result = CltoolProcess.Run("train", "--dry-run", "--seed", "1993");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("task 1: Coat, Pullover", result.Output);
        Assert.Contains("task 5: Ankle boot, Trouser", result.Output);
    }
}
