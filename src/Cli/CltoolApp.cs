using Cltool.Cli.Commands;
using Cltool.Core.Errors;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli;

/// <summary>The `cltool` command tree. Commands are thin: their settings validate, then they call the libraries.</summary>
public static class CltoolApp
{
    /// <param name="console">Where commands write their output; stdout when null.</param>
    public static CommandApp Create(IAnsiConsole? console = null)
    {
        IAnsiConsole errors = CreateConsole(Console.Error, Console.IsErrorRedirected);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("cltool");
            config.UseAssemblyInformationalVersion();
            config.UseStrictParsing();
            if (console is not null) config.ConfigureConsole(console);
            config.SetExceptionHandler((error, _) => ReportFailure(errors, error));

            config.AddCommand<DoctorCommand>("doctor")
                .WithDescription("Check the native stack: .NET, libtorch, ONNX Runtime, CUDA and the built-in datasets.");
            config.AddCommand<PretrainCommand>("pretrain")
                .WithDescription("Pretrain a ViT on all weights (the built-in base model is made this way).");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train a class-incremental run with SD-LoRA or a baseline, task after task.");
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Evaluate any stage's checkpoint on any dataset.");
            config.AddCommand<ExportCommand>("export")
                .WithDescription("Fold adapters into a dense ViT and write ONNX, with a parity check.");
            config.AddCommand<ServeCommand>("serve")
                .WithDescription("Serve an exported model over HTTP (KServe v2) with ONNX Runtime.");
            config.AddCommand<ClassifyCommand>("classify")
                .WithDescription("Send an image to a running inference host and print its top-k answer.");
            config.AddCommand<InspectCommand>("inspect")
                .WithDescription("Describe a model, checkpoint or ONNX file, or draw samples of a dataset.");
            config.AddCommand<ReportCommand>("report")
                .WithDescription("Table of finished runs (mean ± std over seeds, every head option) as Markdown, JSON and PNG.");
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that print ratios measured side by side in one run.");
                bench.AddCommand<BenchTrainCommand>("train").WithDescription("Training throughput and FLOP utilisation.");
                bench.AddCommand<BenchExportCommand>("export").WithDescription("Merged vs unmerged vs TorchSharp latency.");
                bench.AddCommand<BenchServeCommand>("serve").WithDescription("HTTP load test of the inference host.");
                bench.AddCommand<BenchDataCommand>("data").WithDescription("Data pipeline alone vs the training step alone.");
                bench.AddCommand<BenchProbeCommand>("probe").WithDescription("Linear probe of a model's frozen features vs a random ViT.");
            });
        });
        return app;
    }

    /// <summary>
    /// The console for a real process. Redirected output (logs, CI, tests) is not wrapped at 80 columns, so every
    /// report line stays one line that grep can find.
    /// </summary>
    public static IAnsiConsole CreateConsole() => CreateConsole(Console.Out, Console.IsOutputRedirected);

    static IAnsiConsole CreateConsole(TextWriter writer, bool redirected)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected) console.Profile.Width = 400;
        return console;
    }

    /// <summary>One clear line for anything the user can fix; a stack trace only for bugs.</summary>
    static int ReportFailure(IAnsiConsole console, Exception error)
    {
        switch (error)
        {
            case CltoolException known:
                console.MarkupLineInterpolated($"[red]error:[/] {known.Message}");
                return known.ExitCode;
            case IOException or UnauthorizedAccessException:
                // A full disk or an unwritable path: files are written atomically, so the last good ones are intact.
                console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
                return ExitCodes.Failure;
            case CommandAppException usage:
                if (usage.Pretty is not null) console.Write(usage.Pretty);
                else console.MarkupLineInterpolated($"[red]error:[/] {usage.Message}");
                return ExitCodes.Usage;
            default:
                console.WriteException(error, ExceptionFormats.ShortenPaths);
                return ExitCodes.Failure;
        }
    }
}
