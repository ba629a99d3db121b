// The sample hand-off is not built yet: say so and exit 0 (issue 7 builds it).
console.log('apps/handoff: the sample hand-off is not there yet (see issue 7).');
