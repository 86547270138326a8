package capacity

// DynamoDBCost is the price in US dollars of wru write and rru read request
// units on an on-demand table (us-east-1, the model's prices).
func DynamoDBCost(wru, rru float64) float64 {
	return (wru*priceDDBWriteM + rru*priceDDBReadM) / 1e6
}
