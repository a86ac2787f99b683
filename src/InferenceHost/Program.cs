using Cltool.Core.Errors;
using Cltool.InferenceHost;

// The standalone inference host: the same server as `cltool serve`, without libtorch or the CLI around it.
// Options: --model FILE (required), --name, --urls, --device auto|cpu|cuda, --max-batch, --max-delay-ms, --queue,
// --threads, --api-key (or CLTOOL_API_KEY), --max-body-bytes, --max-image-pixels, --timeout-ms, --watch.
try
{
    ServeOptions options = HostArguments.Parse(args);
    return await InferenceServer.RunAsync(options, line => Console.WriteLine($"cltool-host: {line}"));
}
catch (CltoolException error) when (error.ExitCode == ExitCodes.Success)
{
    Console.WriteLine(error.Message);   // --help
    return ExitCodes.Success;
}
catch (CltoolException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return error.ExitCode;
}
