using System.Diagnostics;
using Cltool.Core.Continual;

namespace Cltool.Cli.Tests;

/// <summary>
/// One run trained once (5 tasks of Fashion-MNIST on a tiny random base) and exported once, shared by the stages of
/// the main path; each stage is its own test, so a broken export does not hide a working eval.
/// </summary>
public sealed class TrainedRun : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    readonly Lazy<CltoolProcess.Result> _train, _export;

    public TrainedRun()
    {
        string baseModel = TinyBase.Write(_temporary.File("base.safetensors"));
        Run = _temporary.File("run");
        Model = _temporary.File("model.onnx");
        Triton = _temporary.File("triton");
        _train = new(() => CltoolProcess.Run("train", "--base", baseModel, "--out", Run, "--train-per-class", "16", "--test-per-class", "10",
                                               "--epochs", "2", "--batch-size", "8", "--lr", "0.05", "--workers", "1"));
        _export = new(() =>
        {
            Assert.True(Train.ExitCode == 0, Train.Output + Train.Errors);
            return CltoolProcess.Run("export", Run, "--merge", "-o", Model, "--eval", "--triton", Triton);
        });
    }

    public string Run { get; }
    public string Model { get; }
    public string Triton { get; }
    public CltoolProcess.Result Train => _train.Value;
    public CltoolProcess.Result Export => _export.Value;

    public MetricsReport Metrics()
    {
        Assert.True(Train.ExitCode == 0, Train.Output + Train.Errors);
        return Core.Models.CltoolJson.Deserialize<MetricsReport>(File.ReadAllText(Path.Combine(Run, "metrics.json")), "metrics");
    }

    public void Dispose() => _temporary.Dispose();
}

/// <summary>`cltool train`, `eval`, `export --merge` and `serve` + `classify` as a user runs them, stage by stage.</summary>
public sealed class MainPathTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    [Fact]
    public void Train_prints_the_tasks_and_the_accuracy_table()
    {
        Assert.True(run.Train.ExitCode == 0, run.Train.Output + run.Train.Errors);
        Assert.Contains("task 1/5: classes Coat, Pullover", run.Train.Output);
        Assert.Matches(@"Acc \(last\) \d+\.\d\d  AAA \d+\.\d\d  forgetting \d+\.\d\d", run.Train.Output);
    }

    [Fact]
    public void Eval_reproduces_the_last_and_the_first_stages_accuracy()
    {
        MetricsReport metrics = run.Metrics();

        CltoolProcess.Result last = CltoolProcess.Run("eval", run.Run, "--workers", "1");
        CltoolProcess.Result first = CltoolProcess.Run("eval", run.Run, "--task", "1", "--workers", "1");

        Assert.True(last.ExitCode == 0, last.Output + last.Errors);
        Assert.Contains($"accuracy after task 5 on its 10 classes: {metrics.Acc * 100:F2} %", last.Output);
        Assert.Contains($"accuracy after task 1 on its 2 classes: {metrics.AccuracyAfterTask[0] * 100:F2} %", first.Output);
    }

    [Fact]
    public void The_merged_export_passes_parity_and_scores_the_trainers_accuracy_in_onnx_runtime()
    {
        MetricsReport metrics = run.Metrics();

        Assert.True(run.Export.ExitCode == 0, run.Export.Output + run.Export.Errors);
        Assert.Contains("sdlora after task 5 of 5, 10 classes, adapters merged, fp32", run.Export.Output);
        Assert.Matches(@"parity in ONNX Runtime: max \|logit difference\| \d\.\d\de[-+]\d\d \(limit 1e-04\), top-1 identical on 16/16", run.Export.Output);
        Assert.Contains($"test set in ONNX Runtime: accuracy {metrics.Acc * 100:F2} % ", run.Export.Output);
        Assert.Contains("identical to the trainer", run.Export.Output);
        Assert.True(File.Exists(Path.Combine(run.Triton, "cltool-vit", "1", "model.onnx")));
    }

    [Fact]
    public void Serve_answers_classify_over_http_and_exits_0_on_sigterm()
    {
        Assert.True(run.Export.ExitCode == 0, run.Export.Output + run.Export.Errors);
        using Process host = CltoolProcess.Start("serve", "--model", run.Model, "--urls", "http://127.0.0.1:0", "--grpc-urls", "http://127.0.0.1:0", "--device", "cpu");
        string? line;
        string url = "";
        while ((line = host.StandardOutput.ReadLine()) is not null)
            if (line.StartsWith("listening on ", StringComparison.Ordinal)) { url = line["listening on ".Length..].Trim(); break; }
        Assert.StartsWith("http://127.0.0.1:", url);

        CltoolProcess.Result classify = CltoolProcess.Run("classify", "--url", url, "--model", "model", "--data", "fashion-mnist", "--index", "0", "--top-k", "2");
        Process.Start("kill", ["-TERM", host.Id.ToString()])!.WaitForExit();

        Assert.True(classify.ExitCode == 0, classify.Output + classify.Errors);
        Assert.Contains("fashion-mnist test image #0 (true class: Ankle boot)", classify.Output);
        Assert.Equal(2, classify.Output.Split('\n').Count(l => l.TrimEnd().EndsWith(')') && l.Contains("% ")));
        Assert.True(host.WaitForExit(20_000));
        Assert.Equal(0, host.ExitCode);
    }
}
