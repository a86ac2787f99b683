using System.Diagnostics;
using Cltool.Core.Models;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Cli.Benchmarks;

/// <summary>
/// One process of `bench stress`: the learner's training step for every adapter family and a no-grad forward, in a loop,
/// while a second thread forces full collections (so finalizers run beside every native call) and a third leaves
/// tensors to the finalizer. Each round prepares everything from the same seed, so its losses and logits must equal the
/// first round's bit for bit: a difference is a silent wrong value, an exception a native fault. One line per event.
/// </summary>
public static class StressWorker
{
    public const string Ok = "ok", Mismatch = "mismatch", Fault = "exception";
    static readonly string[] Methods = ["sdlora", "seq-lora", "clora", "full-ft"];
    static readonly ViTConfig Config = new(28, 4, 3, 64, 2, 2, 2.0, 0);

    public static int Run(TimeSpan duration, Action<string> emit)
    {
        var references = new Dictionary<string, double[]>();
        using var stop = new CancellationTokenSource();
        Thread[] pressure = [Loop("collections", ForceCollections, emit, stop.Token), Loop("finalizer", LeaveToFinalizer, emit, stop.Token)];
        var clock = Stopwatch.StartNew();
        int round = 0;
        while (clock.Elapsed < duration)
        {
            round++;
            foreach (string path in Methods.Append("forward"))
                emit(Check(path, round, references));
        }
        stop.Cancel();
        foreach (Thread thread in pressure) thread.Join();
        return round;
    }

    static string Check(string path, int round, Dictionary<string, double[]> references)
    {
        try
        {
            double[] values = path == "forward" ? Forward() : TrainSteps(path);
            if (!references.TryGetValue(path, out double[]? first))
            {
                references[path] = values;
                return $"{Ok} {path} {round}";
            }
            return values.SequenceEqual(first) ? $"{Ok} {path} {round}" : $"{Mismatch} {path} {round} {Describe(values, first)}";
        }
        catch (Exception error)
        {
            return FaultLine(path, round, error);
        }
    }

    static string FaultLine(string path, int round, Exception error) =>
        $"{Fault} {path} {round} {error.GetType().Name}: {error.Message.ReplaceLineEndings(" ")}";

    static double[] TrainSteps(string method)
    {
        manual_seed(7);
        using var step = new PreparedStep(method, Config, directions: 3, rank: 4, batchSize: 8, CPU);
        return step.Losses(4);
    }

    static double[] Forward()
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        using var vit = new VisionTransformer(Config.WithClasses(5));
        vit.eval();
        using var _ = no_grad();
        return vit.forward(randn(16, 3, 28, 28)).to(float64).data<double>().ToArray();
    }

    static string Describe(double[] values, double[] first)
    {
        int at = Enumerable.Range(0, Math.Min(values.Length, first.Length)).FirstOrDefault(i => values[i] != first[i], -1);
        return at < 0 ? $"{values.Length} values where the first round had {first.Length}" : $"value {at}: {values[at]:R}, first round {first[at]:R}";
    }

    static Thread Loop(string path, Action body, Action<string> emit, CancellationToken stop)
    {
        void Body()
        {
            for (int round = 1; !stop.IsCancellationRequested; round++)
            {
                try { body(); }
                catch (Exception error) { emit(FaultLine(path, round, error)); }
            }
        }
        var thread = new Thread(Body) { IsBackground = true };
        thread.Start();
        return thread;
    }

    static void ForceCollections()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(1);
    }

    /// <summary>
    /// Tensors nobody disposes: the finalizer thread frees them while the main thread computes. Each is kept alive until
    /// the call that reads it has returned (a temporary reachable only through the call in progress can be finalized
    /// mid-call: the first version of this loop crashed itself that way).
    /// </summary>
    static void LeaveToFinalizer()
    {
        Tensor left = ones(64, 64), right = ones(64, 64);
        Tensor product = left.matmul(right);
        GC.KeepAlive(left);
        GC.KeepAlive(right);
        GC.KeepAlive(product);
        Thread.Sleep(1);
    }
}
