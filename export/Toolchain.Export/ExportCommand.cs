using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Export.Variants;
using Toolchain.Onnx;
using Toolchain.Recipes;

namespace Toolchain.Export;

/// <summary>
/// toolchain-export --model NAME [--runs DIR] [--models DIR] [--checkpoint PATH | --best] [--parity-samples N] [--variants "fp32 int8 fp16"].
/// Exit code 0 when a version was published, 1 with the reason on standard error when not.
/// </summary>
public static class ExportCommand
{
    public static RootCommand Create()
    {
        var model = new Option<string>("--model") { Description = "Model to export: reads runs/<model>/ and models/<model>/recipe.yaml", Required = true };
        var runs = new Option<string>("--runs") { Description = "Folder of training runs", DefaultValueFactory = _ => "runs" };
        var models = new Option<string>("--models") { Description = "Model repository (Triton layout) to publish into", DefaultValueFactory = _ => "models" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint file to export (default: the latest epoch)" };
        var best = new Option<bool>("--best") { Description = "Export checkpoints/best.safetensors (best validation accuracy)" };
        var paritySamples = new Option<int>("--parity-samples")
        {
            Description = "Validation samples the parity check runs (capped at the validation split)",
            DefaultValueFactory = _ => ExportOptions.DefaultParitySamples,
        };
        var variants = new Option<string>("--variants")
        {
            Description = "Variants to publish, from fp32, int8, fp16 (fp32 required). More than fp32 also writes model.<variant>.onnx, " +
                "every variant in ORT format (model.ort, model.<variant>.ort) and variants.json with sizes and t10k accuracies",
            DefaultValueFactory = _ => ModelVariant.Fp32.Name,
        };

        var command = new RootCommand("Exports a trained checkpoint as a verified inference ONNX model into a Triton-style model repository.")
        {
            model, runs, models, checkpoint, best, paritySamples, variants,
        };
        command.SetAction(parse =>
        {
            var chosen = ModelVariant.ParseList(parse.GetValue(variants)!, out var problems);
            if (problems.Count > 0)
            {
                Console.Error.WriteLine($"export failed: {string.Join("\n", problems)}");
                return 1;
            }
            return Execute(new ExportOptions
            {
                Model = parse.GetValue(model)!,
                RunsDirectory = parse.GetValue(runs)!,
                ModelsDirectory = parse.GetValue(models)!,
                CheckpointPath = parse.GetValue(checkpoint),
                UseBest = parse.GetValue(best),
                ParitySamples = parse.GetValue(paritySamples),
                Variants = chosen,
            });
        });
        return command;
    }

    private static int Execute(ExportOptions options)
    {
        try
        {
            var result = new Exporter().Run(options);
            ExportSummary.Print(Console.Out, result);
            return 0;
        }
        catch (Exception e) when (e is ExportException or CheckpointException or RecipeException or DataFormatException
                                     or OnnxFormatException or OnnxRuntimeException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"export failed: {e.Message}");
            return 1;
        }
    }
}
