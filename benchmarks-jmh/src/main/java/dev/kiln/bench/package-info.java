/** JMH benchmarks and the report that compares them, with a lab of kernel versions (not built yet). */
package dev.kiln.bench;
