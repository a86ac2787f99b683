using System.ComponentModel;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class BenchDataSettings : BenchSettings
{
    [CommandOption("--data <NAME>")]
    [Description("Datasets to measure, comma-separated.")]
    [DefaultValue("fashion-mnist,glyphs:pretrain")]
    public string Data { get; init; } = "fashion-mnist,glyphs:pretrain";

    [CommandOption("--model <PRESET>")]
    [DefaultValue("vit-cpu-28")]
    [Description("The ViT whose training step the pipeline must outpace.")]
    public string Model { get; init; } = "vit-cpu-28";

    [CommandOption("--batch-size <N>")]
    [DefaultValue(128)]
    [Description("Images per batch.")]
    public int BatchSize { get; init; } = 128;

    [CommandOption("--workers <N>")]
    [DefaultValue(2)]
    [Description("Pipeline worker threads.")]
    public int Workers { get; init; } = 2;

    [CommandOption("--batches <N>")]
    [DefaultValue(40)]
    [Description("Batches the pipeline delivers in the measurement.")]
    public int Batches { get; init; } = 40;
}
