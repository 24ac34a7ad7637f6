// The scheduler, memory and launch entry points of the CPU emulator (see kiln_emu.h), and the
// registry of every kernel of src/main/cuda, called by name with cuLaunchKernel's void** params.
#include "kiln_emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

kiln_dim3 threadIdx, blockIdx, blockDim, gridDim;
unsigned char* kiln_emu_dynamic_smem = nullptr;

namespace {

enum State { READY, WAIT_BLOCK, WAIT_WARP, DONE };

const size_t STACK = 256 * 1024;

struct Thread {
    ucontext_t ctx;
    State state;
    char* stack;
};

ucontext_t scheduler;
std::vector<Thread> threads;
int current = -1;
std::function<void()> body;
uint64_t slots[32][32];
char error[512];

void set_thread_index(int t) {
    threadIdx.x = t % blockDim.x;
    threadIdx.y = (t / blockDim.x) % blockDim.y;
    threadIdx.z = t / (blockDim.x * blockDim.y);
}

void trampoline(int t) {
    body();
    threads[t].state = DONE;
    swapcontext(&threads[t].ctx, &scheduler);
}

void wait_as(State s) {
    int t = current;
    threads[t].state = s;
    swapcontext(&threads[t].ctx, &scheduler);
    set_thread_index(t);  // another thread ran meanwhile
    current = t;
}

// Runs one block to completion; returns false (with `error` set) on a deadlock.
bool run_block(int n) {
    if ((int) threads.size() < n) {
        threads.resize(n);
    }
    for (int t = 0; t < n; t++) {
        if (!threads[t].stack) threads[t].stack = (char*) malloc(STACK);
        getcontext(&threads[t].ctx);
        threads[t].ctx.uc_stack.ss_sp = threads[t].stack;
        threads[t].ctx.uc_stack.ss_size = STACK;
        threads[t].ctx.uc_link = &scheduler;
        makecontext(&threads[t].ctx, (void (*)()) trampoline, 1, t);
        threads[t].state = READY;
    }
    for (;;) {
        bool ran = false;
        for (int t = 0; t < n; t++) {
            if (threads[t].state == READY) {
                current = t;
                set_thread_index(t);
                swapcontext(&scheduler, &threads[t].ctx);
                ran = true;
            }
        }
        if (ran) continue;
        // everyone is waiting or done: release the warps whose live lanes all wait on an exchange
        bool released = false;
        int warps = (n + 31) / 32;
        for (int w = 0; w < warps; w++) {
            int waiting = 0, live = 0;
            for (int t = w * 32; t < n && t < w * 32 + 32; t++) {
                if (threads[t].state != DONE) live++;
                if (threads[t].state == WAIT_WARP) waiting++;
            }
            if (waiting > 0 && waiting == live) {
                for (int t = w * 32; t < n && t < w * 32 + 32; t++) {
                    if (threads[t].state == WAIT_WARP) threads[t].state = READY;
                }
                released = true;
            }
        }
        if (released) continue;
        int waiting = 0, live = 0;
        for (int t = 0; t < n; t++) {
            if (threads[t].state != DONE) live++;
            if (threads[t].state == WAIT_BLOCK) waiting++;
        }
        if (live == 0) return true;
        if (waiting == live) {
            for (int t = 0; t < n; t++) {
                if (threads[t].state == WAIT_BLOCK) threads[t].state = READY;
            }
            continue;
        }
        snprintf(error, sizeof error, "deadlock in block (%u, %u, %u): %d live threads, %d at __syncthreads, the rest "
                 "at a warp shuffle that not all lanes reach", blockIdx.x, blockIdx.y, blockIdx.z, live, waiting);
        return false;
    }
}

// unpacks cuLaunchKernel's void** params into a kernel's arguments
template <typename... A, size_t... I>
std::function<void()> bind_args(void (*f)(A...), void** p, std::index_sequence<I...>) {
    auto args = std::make_tuple(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
    return [f, args]() { std::apply(f, args); };
}

template <typename... A>
std::function<std::function<void()>(void**)> invoker(void (*f)(A...)) {
    return [f](void** p) { return bind_args(f, p, std::index_sequence_for<A...>{}); };
}

}  // namespace

void __syncthreads() {
    wait_as(WAIT_BLOCK);
}

void kiln_emu_warp_exchange(uint64_t* value, int src) {
    int t = current;
    int warp = t / 32;
    int lane = t % 32;
    slots[warp][lane] = *value;
    wait_as(WAIT_WARP);
    uint64_t r = slots[warp][src];
    wait_as(WAIT_WARP);  // everyone has read before the slots are written again
    *value = r;
}

// ---------------------------------------------------------------- the kernels
#include "kernels.inc"

namespace {
std::map<std::string, std::function<std::function<void()>(void**)>>& registry() {
    static std::map<std::string, std::function<std::function<void()>(void**)>> r;
    if (r.empty()) {
#define KILN_KERNEL(name) r[#name] = invoker(&name);
#include "registry.inc"
#undef KILN_KERNEL
    }
    return r;
}
std::vector<unsigned char> dynamicSmem;
}  // namespace

extern "C" {

const char* kiln_emu_error() {
    return error;
}

int kiln_emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, int smem, void** params) {
    auto it = registry().find(name);
    if (it == registry().end()) {
        snprintf(error, sizeof error, "no kernel named %s", name);
        return 1;
    }
    int n = bx * by * bz;
    if (n > 1024 || n <= 0) {
        snprintf(error, sizeof error, "%s: bad block size %d", name, n);
        return 2;
    }
    body = it->second(params);  // arguments copied now, as cuLaunchKernel does
    dynamicSmem.assign((size_t) smem + 16, 0);
    kiln_emu_dynamic_smem = dynamicSmem.data();
    gridDim = {(unsigned) gx, (unsigned) gy, (unsigned) gz};
    blockDim = {(unsigned) bx, (unsigned) by, (unsigned) bz};
    for (int z = 0; z < gz; z++) {
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                blockIdx = {(unsigned) x, (unsigned) y, (unsigned) z};
                if (!run_block(n)) {
                    return 3;
                }
            }
        }
    }
    return 0;
}

long kiln_emu_malloc(long bytes) {
    void* p = aligned_alloc(256, ((size_t) bytes + 255) / 256 * 256);
    return (long) p;
}

void kiln_emu_free(long p) {
    free((void*) p);
}
}
