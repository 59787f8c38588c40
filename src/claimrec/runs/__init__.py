"""The bookkeeping of runs, apart from the database work (`claimrec.store`): the single-writer lock
(`runs.lock`) and the markers that say a run is under way or how an unfinished one ended (`runs.markers`)."""
