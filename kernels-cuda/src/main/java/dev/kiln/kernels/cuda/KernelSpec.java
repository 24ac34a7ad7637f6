package dev.kiln.kernels.cuda;

import java.util.List;

/**
 * A family of kernels in one module: {@code base_suffix} for each suffix (usually a dtype:
 * f32, f64, i32, u8), all with the same parameter list.
 */
record KernelSpec(String module, String base, List<String> suffixes, List<Param> params) {

    KernelSpec {
        suffixes = List.copyOf(suffixes);
        params = List.copyOf(params);
    }

    /** The entry name for one suffix ("" for a kernel without variants). */
    String name(String suffix) {
        if (!suffixes.contains(suffix)) {
            throw new IllegalArgumentException("cuda: kernel " + base + " has no variant '" + suffix + "' (has "
                    + suffixes + ")");
        }
        return suffix.isEmpty() ? base : base + "_" + suffix;
    }

    List<String> names() {
        return suffixes.stream().map(this::name).toList();
    }
}
