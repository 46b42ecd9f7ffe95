using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Toolchain.Onnx;
using Toolchain.Train.Training;

namespace Toolchain.Bench;

/// <summary>
/// Runs the train step with ONNX Runtime's profiler on (same session settings as the trainer's
/// SessionFactory) and summarises the per-node kernel times of the steady-state steps: by op type, the
/// slowest nodes, the tiny (scalar) nodes, and the time outside kernels. Also saves the graph as ONNX
/// Runtime optimised it and counts op types before and after.
/// </summary>
public static class StepProfile
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch"), threads = args.Int("threads"), steps = args.Int("steps", 200), warmup = args.Int("warmup-steps", 30);
        var variant = args.String("variant", "baseline");
        var outDir = Directory.CreateDirectory(args.String("out")).FullName;
        var recipePath = args.String("recipe");
        var name = TrainingSetup.LoadRecipe(recipePath, batch, threads).Name;
        var tag = $"{name}-b{batch}-t{threads}{(variant == "baseline" ? "" : "-" + variant)}";
        using var options = SessionFactory.CpuOptions(threads);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(outDir, $"ort-{tag}");
        options.OptimizedModelFilePath = Path.Combine(outDir, $"optimized-{tag}.onnx");
        using var setup = TrainingSetup.Create(recipePath, batch, threads, variant, options);
        for (int s = 1; s <= warmup + steps; s++) setup.Step(s);
        var profilePath = setup.Session.EndProfiling();
        var generated = OnnxModelFile.Load(Path.Combine(setup.Directory, variant == "baseline" ? "train_step.onnx" : $"train_step.{variant}.onnx"));
        var optimized = OnnxModelFile.Load(options.OptimizedModelFilePath);
        var summary = Summarize(profilePath, warmup, generated, optimized, tag, batch, threads);
        Json.Write(Path.Combine(outDir, $"profile-{tag}.json"), summary);
        File.Delete(profilePath);   // tens of MB of raw events; the summary holds what the report needs
        Json.Emit(new { profile = Path.Combine(outDir, $"profile-{tag}.json") });
        return 0;
    }

    private sealed record NodeEvent(string Name, string Op, long Ts, double Dur, long OutputBytes, string Shapes);

    private static object Summarize(string path, int warmup, Toolchain.Onnx.Proto.ModelProto generated, Toolchain.Onnx.Proto.ModelProto optimized,
        string tag, int batch, int threads)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var runs = new List<(long Ts, double Dur)>();
        var nodes = new List<NodeEvent>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var cat = e.GetProperty("cat").GetString();
            var evName = e.GetProperty("name").GetString()!;
            if (cat == "Session" && evName == "model_run")
                runs.Add((e.GetProperty("ts").GetInt64(), e.GetProperty("dur").GetDouble()));
            else if (cat == "Node" && evName.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                var a = e.GetProperty("args");
                long outBytes = a.TryGetProperty("output_size", out var o) ? long.Parse(o.GetString() ?? "0") : 0;
                var shapes = a.TryGetProperty("input_type_shape", out var s) ? s.GetRawText() : "";
                nodes.Add(new NodeEvent(evName[..^"_kernel_time".Length], a.GetProperty("op_name").GetString()!, e.GetProperty("ts").GetInt64(),
                    e.GetProperty("dur").GetDouble(), outBytes, shapes));
            }
        }
        runs.Sort();
        var measured = runs.Skip(warmup).ToList();
        long cutoff = measured[0].Ts;
        var steady = nodes.Where(n => n.Ts >= cutoff).ToList();
        int n = measured.Count;
        double runUs = measured.Average(r => r.Dur);
        double kernelUs = steady.Sum(x => x.Dur) / n;
        var byOp = steady.GroupBy(x => x.Op)
            .Select(g => new { op = g.Key, us_per_step = g.Sum(x => x.Dur) / n, nodes = g.Select(x => x.Name).Distinct().Count(), share = g.Sum(x => x.Dur) / n / kernelUs })
            .OrderByDescending(x => x.us_per_step).ToList();
        var byNode = steady.GroupBy(x => x.Name)
            .Select(g => new { node = g.Key, op = g.First().Op, us_per_step = g.Sum(x => x.Dur) / n, inputs = g.First().Shapes, output_bytes = g.First().OutputBytes })
            .OrderByDescending(x => x.us_per_step).ToList();
        var tiny = byNode.Where(x => x.output_bytes <= 16).ToList();
        return new
        {
            tag, batch, threads,
            steps = n,
            step_us = runUs,
            kernel_us = kernelUs,
            outside_kernels_us = runUs - kernelUs,
            nodes_executed = byNode.Count,
            scalar_nodes = new { count = tiny.Count, us_per_step = tiny.Sum(x => x.us_per_step), ops = tiny.GroupBy(x => x.op).ToDictionary(g => g.Key, g => g.Count()) },
            by_op = byOp,
            top_nodes = byNode.Take(25),
            generated_ops = Count(generated),
            optimized_ops = Count(optimized),
        };
    }

    private static Dictionary<string, int> Count(Toolchain.Onnx.Proto.ModelProto model) =>
        model.Graph.Node.GroupBy(x => string.IsNullOrEmpty(x.Domain) ? x.OpType : $"{x.Domain}.{x.OpType}")
            .OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count());
}
