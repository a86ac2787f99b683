using Cltool.Cli.Infrastructure;
using Cltool.Core.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>Writes a reproducible train/test split of an image folder (relative paths and classes) with its sha256.</summary>
public sealed class DataSplitCommand(IAnsiConsole console) : Command<DataSplitSettings>
{
    public override int Execute(CommandContext context, DataSplitSettings settings, CancellationToken cancellationToken)
    {
        string output = settings.Out ?? Path.Combine(settings.Folder, "split.json");
        SplitFile split = SplitFile.Create(settings.Folder, settings.TrainFraction, settings.Seed, SplitFile.FolderOf(output));
        string sha256 = split.Save(output);
        console.MarkupLineInterpolated($"wrote {output} (sha256 {sha256}): {split.Classes.Length} classes, {split.Train.Length} train and {split.Test.Length} test images, seed {settings.Seed}");
        int[] perClass = new int[split.Classes.Length];
        foreach (SplitFile.Item item in split.Train.Concat(split.Test)) perClass[item.Label]++;
        foreach (string warning in ClassSizeWarnings.Of(split.Classes, perClass)) console.MarkupLineInterpolated($"[yellow]warning: {warning}[/]");
        return 0;
    }
}
