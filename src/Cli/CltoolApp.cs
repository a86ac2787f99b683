using Cltool.Cli.Commands;
using Cltool.InferenceHost.CommandLine;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli;

/// <summary>The `cltool` command tree. Commands are thin: their settings validate, then they call the libraries.</summary>
public static class CltoolApp
{
    /// <param name="console">Where commands write their output; stdout when null.</param>
    public static CommandApp Create(IAnsiConsole? console = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            CommandLineConsole.Configure(config, "cltool", console);

            config.AddCommand<DoctorCommand>("doctor")
                .WithDescription("Check the native stack: .NET, libtorch, ONNX Runtime, CUDA and the built-in datasets.");
            config.AddCommand<PretrainCommand>("pretrain")
                .WithDescription("Pretrain a ViT on all weights (the built-in base model is made this way).");
            config.AddCommand<MethodsCommand>("methods")
                .WithDescription("List the continual-learning methods: family, what trains, head options, recipe keys of their own.");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train a class-incremental run with SD-LoRA or a baseline, task after task.");
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Evaluate any stage's checkpoint on any dataset.");
            config.AddCommand<ExportCommand>("export")
                .WithDescription("Fold adapters into a dense ViT and write ONNX, with a parity check.");
            config.AddCommand<ServeCommand>("serve")
                .WithDescription("Serve exported models over HTTP and gRPC (KServe v2 / Triton) with ONNX Runtime.");
            config.AddCommand<DeployCommand>("deploy")
                .WithDescription("Kubernetes manifests for a model repository: cltool-host (Deployment + Service) and KServe's Triton runtime.");
            config.AddCommand<ClassifyCommand>("classify")
                .WithDescription("Send an image to a running inference host and print its top-k answer.");
            config.AddCommand<PredictCommand>("predict")
                .WithDescription("Classify images offline with an exported model (ONNX Runtime, the host's own code path); accuracy and a confusion matrix for a labelled folder.");
            config.AddCommand<InspectCommand>("inspect")
                .WithDescription("Describe a model, checkpoint or ONNX file, or draw samples of a dataset.");
            config.AddCommand<ReportCommand>("report")
                .WithDescription("Table of finished runs (mean ± std over seeds, every head option) as Markdown, JSON and PNG.");
            config.AddBranch("data", data =>
            {
                data.SetDescription("Dataset files: reproducible splits.");
                data.AddCommand<DataSplitCommand>("split").WithDescription("Write a seeded train/test split of an image folder (relative paths and classes) with its sha256.");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that print ratios measured side by side in one run.");
                bench.AddCommand<BenchTrainCommand>("train").WithDescription("Training throughput and FLOP utilisation.");
                bench.AddCommand<BenchExportCommand>("export").WithDescription("Merged vs unmerged vs TorchSharp latency.");
                bench.AddCommand<BenchServeCommand>("serve").WithDescription("Load test of the inference host in this process: batching, JSON vs binary vs gRPC.");
                bench.AddCommand<BenchLoadCommand>("load").WithDescription("Load test of a running host: failures, throughput, latency, versions, memory.");
                bench.AddCommand<BenchDataCommand>("data").WithDescription("Data pipeline alone vs the training step alone.");
                bench.AddCommand<BenchSummaryCommand>("summary").WithDescription("Every speed target against the benchmarks' results: met, not met, within noise.");
                bench.AddCommand<BenchModelCommand>("model").WithDescription("A ViT of a preset's shape with generated weights as ONNX, for speed measurements (ViT-B/16 on a GPU).");
                bench.AddCommand<BenchStressCommand>("stress").WithDescription("The trainer's native paths under memory pressure in several processes: every fault and silent wrong value (a long run).");
                bench.AddCommand<BenchProbeCommand>("probe").WithDescription("Linear probe of a model's frozen features vs a random ViT.");
            });
        });
        return app;
    }
}
