package dynamosim

// IndexLen returns the number of items in index of table name.
func (db *DB) IndexLen(name, indexName string) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	n := 0
	if ix := db.tables[name].index(indexName); ix != nil {
		for _, m := range ix.members {
			n += len(m)
		}
	}
	return n
}
